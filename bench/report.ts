// Owns the benchmark's printed report: the table (text and Markdown), the ratio, and the warnings.
import type { Argon2Figures } from './argon2-throughput.js';
import { cpuUsPerRequestWithDatabase, type DatabaseFigures, type ServerFigures } from './measure.js';
import type { MachineInfo } from './proc-stat.js';

export interface Report {
  readonly machine: MachineInfo;
  readonly freeradiusVersion: string;
  readonly scenario: string;
  /** What one row of the rate counts: a request (one round trip) or a completed flow (default request). */
  readonly unit?: 'request' | 'flow';
  /** The Assent/FreeRADIUS ratio aimed at (default 1.0). */
  readonly target?: number;
  /** One row per server and generator: medians over the rounds. */
  readonly rows: readonly ServerFigures[];
  /**
   * Per Assent row name ('Assent', and {@link ASSENT_PG} with `--postgres`), per round: FreeRADIUS CPU per request
   * (flow) over that Assent's (with its database's, for PostgreSQL), measured back to back with our generator:
   * less exposed to the machine's drift than the ratio of the medians.
   */
  readonly pairedPerCore?: Readonly<Record<string, readonly number[]>>;
  readonly argon2: Argon2Figures | undefined;
  readonly notes: readonly string[];
}

function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Medians of every figure over the rounds of one server and generator (timeouts and bad are summed). */
export function medianFigures(rounds: readonly ServerFigures[]): ServerFigures {
  const first = rounds[0]!;
  const m = (pick: (f: ServerFigures) => number) => median(rounds.map(pick));
  const db = (pick: (d: DatabaseFigures) => number) =>
    median(rounds.map((f) => (f.database ? pick(f.database) : Number.NaN)));
  return {
    server: first.server,
    generator: first.generator,
    requestsPerSecond: m((f) => f.requestsPerSecond),
    serverCpuUsPerRequest: m((f) => f.serverCpuUsPerRequest),
    serverCpuPercent: m((f) => f.serverCpuPercent),
    ...(first.serverFaultsPerRequest === undefined
      ? {}
      : { serverFaultsPerRequest: m((f) => f.serverFaultsPerRequest ?? Number.NaN) }),
    ...(first.database === undefined
      ? {}
      : {
          database: {
            cpuSeconds: db((d) => d.cpuSeconds),
            cpuUsPerRequest: db((d) => d.cpuUsPerRequest),
            cpuPercent: db((d) => d.cpuPercent),
          },
        }),
    p50Ms: m((f) => f.p50Ms),
    p99Ms: m((f) => f.p99Ms),
    loadgenCpuPercent: m((f) => f.loadgenCpuPercent),
    otherCpuPercent: m((f) => f.otherCpuPercent),
    timeouts: rounds.reduce((a, f) => a + f.timeouts, 0),
    bad: rounds.reduce((a, f) => a + f.bad, 0),
    answered: rounds.reduce((a, f) => a + f.answered, 0),
  };
}

const fmt = (v: number, digits = 0) =>
  Number.isNaN(v)
    ? '–'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const columns = (unit: 'request' | 'flow', database: boolean) => [
  'server',
  'generator',
  unit === 'flow' ? 'flows/s' : 'req/s',
  unit === 'flow' ? 'CPU µs/flow' : 'CPU µs/req',
  'server CPU %',
  ...(database ? ['DB CPU s', unit === 'flow' ? 'DB µs/flow' : 'DB µs/req', 'DB CPU %'] : []),
  'p50 ms',
  'p99 ms',
  'loadgen CPU %',
  'other CPU %',
  'timeouts',
  'bad',
];

function cells(f: ServerFigures, database: boolean): string[] {
  const d = f.database;
  return [
    f.server,
    f.generator,
    fmt(f.requestsPerSecond),
    fmt(f.serverCpuUsPerRequest, 1),
    fmt(f.serverCpuPercent),
    ...(database
      ? d
        ? [fmt(d.cpuSeconds, 2), fmt(d.cpuUsPerRequest, 1), fmt(d.cpuPercent)]
        : ['–', '–', '–']
      : []),
    fmt(f.p50Ms, 2),
    fmt(f.p99Ms, 2),
    fmt(f.loadgenCpuPercent),
    fmt(f.otherCpuPercent),
    fmt(f.timeouts),
    fmt(f.bad),
  ];
}

/** The row name of the second Assent of `--compare-flags`. */
export const ASSENT_B = 'Assent B';
/** The row name of Assent on PostgreSQL (`--postgres`); plain "Assent" is the SQLite one. */
export const ASSENT_PG = 'Assent (PostgreSQL)';
/** The rows compared with FreeRADIUS, in this order. */
export const COMPARED_WITH_FREERADIUS = ['Assent', ASSENT_PG] as const;

/**
 * Assent/FreeRADIUS ratios for one generator: throughput, and requests (or flows) per CPU-second (per core). For
 * Assent on PostgreSQL the CPU is Assent's and PostgreSQL's together: both ran on the server core.
 */
export function ratioLines(
  rows: readonly ServerFigures[],
  unit: 'request' | 'flow' = 'request',
  target = 1,
  pairedPerCore: Readonly<Record<string, readonly number[]>> = {},
): string[] {
  const what = unit === 'flow' ? 'flows' : 'requests';
  const lines: string[] = [];
  for (const name of COMPARED_WITH_FREERADIUS) {
    const cpu =
      name === ASSENT_PG
        ? 'CPU-second of the server core, Assent and PostgreSQL together'
        : 'CPU-second of the server core';
    for (const generator of ['assent bench radius', 'radblast'] as const) {
      const fr = rows.find((r) => r.server === 'FreeRADIUS' && r.generator === generator);
      const as = rows.find((r) => r.server === name && r.generator === generator);
      if (!fr || !as) continue;
      const throughput = as.requestsPerSecond / fr.requestsPerSecond;
      const perCore = fr.serverCpuUsPerRequest / cpuUsPerRequestWithDatabase(as);
      lines.push(
        `${name}/FreeRADIUS (${generator}): ${throughput.toFixed(2)}× ${what}/s, ${perCore.toFixed(2)}× ${what} per ` +
          `${cpu} (target ≥ ${target.toFixed(1)}×${target === 1 ? ', floor 0.7×' : ''})`,
      );
    }
    const paired = pairedPerCore[name] ?? [];
    if (paired.length > 0) {
      lines.push(
        `${name}/FreeRADIUS per CPU-second, round by round (measured back to back): ` +
          `${paired.map((r) => `${r.toFixed(2)}×`).join(', ')}; median ${median(paired).toFixed(2)}×`,
      );
    }
  }
  const sqlite = rows.find((r) => r.server === 'Assent' && r.generator === 'assent bench radius');
  const onPg = rows.find((r) => r.server === ASSENT_PG && r.generator === 'assent bench radius');
  if (sqlite && onPg) {
    lines.push(
      `${ASSENT_PG}/Assent (SQLite): ${(onPg.requestsPerSecond / sqlite.requestsPerSecond).toFixed(2)}× ${what}/s, ` +
        `${(sqlite.serverCpuUsPerRequest / cpuUsPerRequestWithDatabase(onPg)).toFixed(2)}× ${what} per ` +
        'CPU-second (Assent and PostgreSQL together against Assent with SQLite in its process)',
    );
  }
  const a = rows.find((r) => r.server === 'Assent');
  const b = rows.find((r) => r.server === ASSENT_B);
  if (a && b) {
    lines.push(
      `${ASSENT_B}/Assent: ${(b.requestsPerSecond / a.requestsPerSecond).toFixed(2)}× ${what}/s, ` +
        `${(a.serverCpuUsPerRequest / b.serverCpuUsPerRequest).toFixed(2)}× ${what} per CPU-second`,
    );
  }
  return lines;
}

function argon2Line(a: Argon2Figures): string {
  return (
    `argon2id verify (m=${a.memoryKiB} KiB, t=${a.timeCost}, p=${a.parallelism}), ${a.inFlight} in flight, all cores: ` +
    `${fmt(a.verificationsPerSecond, 1)} verifications/s (process CPU ${fmt(a.cpuPercent)} % of one core)`
  );
}

/** The report as plain text for the terminal. */
export function formatText(report: Report): string {
  const database = report.rows.some((r) => r.database !== undefined);
  const COLUMNS = columns(report.unit ?? 'request', database);
  const table = [COLUMNS, ...report.rows.map((r) => cells(r, database))];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) =>
    row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
  );
  const m = report.machine;
  return [
    `Assent vs FreeRADIUS ${report.freeradiusVersion} — ${m.date}, ${m.cpus} CPUs (${m.cpuModel}), ${m.kernel}, Node ${m.node}`,
    report.scenario,
    '',
    ...lines,
    '',
    ...ratioLines(report.rows, report.unit, report.target, report.pairedPerCore),
    ...(report.argon2 ? [argon2Line(report.argon2)] : []),
    ...report.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

/** The same report as Markdown, to paste into docs/performance.md. */
export function formatMarkdown(report: Report): string {
  const m = report.machine;
  const database = report.rows.some((r) => r.database !== undefined);
  const COLUMNS = columns(report.unit ?? 'request', database);
  return [
    `### ${m.date} — ${m.cpus} CPUs, ${m.cpuModel}`,
    '',
    `${m.kernel}, Node ${m.node}, FreeRADIUS ${report.freeradiusVersion}. ${report.scenario}`,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...report.rows.map((r) => `| ${cells(r, database).join(' | ')} |`),
    '',
    ...ratioLines(report.rows, report.unit, report.target, report.pairedPerCore).map((l) => `- ${l}`),
    ...(report.argon2 ? [`- ${argon2Line(report.argon2)}`] : []),
    ...report.notes.map((n) => `- ${n}`),
  ].join('\n');
}
