// Owns a probe of the machine's memory speed over time: random reads over a large array, nothing else.
// Usage: taskset -c 1 node --import tsx bench/memory-probe.ts [seconds=120] [MiB=1536]
// Prints, every 3 s, millions of random 4-octet reads per CPU-second. The work is the same in every interval,
// so on a steady machine the figure is flat; docs/performance.md (2026-12-07, "why single runs disagree") shows it was not.

const seconds = Number(process.argv[2] ?? 120);
const mebibytes = Number(process.argv[3] ?? 1536);
if (!(seconds > 0 && mebibytes >= 64)) {
  process.stderr.write('usage: memory-probe.ts [seconds > 0] [MiB ≥ 64]\n');
  process.exit(2);
}

const words = (mebibytes * 2 ** 20) / 4;
const table = new Uint32Array(words);
// Touch every page once, so the figures below are not page faults.
for (let i = 0; i < words; i += 1024) table[i] = i;

const READS_PER_BATCH = 100_000;
let seed = 1;

/** Random reads for about `ms` of wall time; returns how many. In a function so that it is optimised. */
function readFor(ms: number): { reads: number; sum: number } {
  let sum = 0;
  let batches = 0;
  let s = seed;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (let k = 0; k < READS_PER_BATCH; k++) {
      // A linear congruential generator: no allocation, no branch the predictor could learn.
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      sum += table[s % words]!;
    }
    batches++;
  }
  seed = s;
  return { reads: batches * READS_PER_BATCH, sum };
}

let sink = 0;
const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  const cpu0 = process.cpuUsage();
  const { reads, sum } = readFor(3000);
  sink += sum;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const at = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`${at} s: ${(reads / cpuSeconds / 1e6).toFixed(1)} M reads/CPU-s\n`);
}
// Keeps the reads from being optimised away.
if (sink === -1) process.stdout.write('\n');
