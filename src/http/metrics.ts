// Owns the Prometheus metrics (prom-client): what operators graph and alert on, read at scrape time where possible.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Awaitable } from '../domain/awaitable.js';

/** Counts the RADIUS side keeps in plain numbers (its hot path increments fields, never a metric object). */
export interface RadiusCountsSource {
  received: number;
  accessAccepts: number;
  accessRejects: number;
  accessChallenges: number;
  /** Replies the kernel refused to send (batched sockets, send buffer full). */
  repliesUnsent: number;
  readonly drops: Readonly<Record<string, number>>;
  readonly decisions: ReadonlyMap<string, number>;
}

export interface MetricSources {
  readonly radius: RadiusCountsSource;
  /** Logins waiting for a push answer now. */
  readonly pendingPushes: () => number;
  /** RADIUS requests held for those logins now (a NAS may hold several per login). */
  readonly heldRequests: () => number;
  /** Local users holding no token or push device, by group (`-` for users in no group); issue 18. */
  readonly withoutSecondFactor?: () => Awaitable<ReadonlyMap<string, number>>;
  /** The sign-in history's writer: rows written and dropped, failed flushes (auth/sign-in-log.ts). */
  readonly signIns?: () => { readonly written: number; readonly dropped: number; readonly failures: number };
}

export interface Metrics {
  readonly registry: Registry;
  /** Push-service deliveries (Web Push, ntfy) by result (`sent`, `gone`, `rejected`, `failed`). */
  delivery(result: string): void;
  /** Device answers by result (`approved`, `denied`, `refused`, `conflict`). */
  answer(result: string): void;
  /** Requests to the public listener by route and status. */
  http(route: string, status: number): void;
  /** Seconds from a RADIUS request's arrival to its decision. */
  decisionSeconds(seconds: number): void;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  const radius = sources.radius;
  new Counter({
    name: 'assent_radius_requests_total',
    help: 'RADIUS requests received.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(radius.received);
    },
  });
  new Counter({
    name: 'assent_radius_replies_total',
    help: 'RADIUS replies sent, by code.',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ code: 'access-accept' }, radius.accessAccepts);
      this.inc({ code: 'access-reject' }, radius.accessRejects);
      this.inc({ code: 'access-challenge' }, radius.accessChallenges);
    },
  });
  new Counter({
    name: 'assent_radius_replies_unsent_total',
    help: 'RADIUS replies the kernel refused to send (socket send buffer full): lost, as on the wire; the NAS retransmits.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(radius.repliesUnsent);
    },
  });
  new Counter({
    name: 'assent_radius_drops_total',
    help: 'RADIUS requests dropped without a reply, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(radius.drops)) this.inc({ reason }, count);
    },
  });
  new Counter({
    name: 'assent_decisions_total',
    help: 'Login decisions, by outcome or reason (docs/errors.md).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of radius.decisions) this.inc({ reason }, count);
    },
  });
  new Gauge({
    name: 'assent_push_pending',
    help: 'Logins waiting for a push answer.',
    registers: [registry],
    collect() {
      this.set(sources.pendingPushes());
    },
  });
  new Gauge({
    name: 'assent_push_held_requests',
    help: 'RADIUS requests held until their push is answered.',
    registers: [registry],
    collect() {
      this.set(sources.heldRequests());
    },
  });
  const without = sources.withoutSecondFactor;
  if (without !== undefined) {
    new Gauge({
      name: 'assent_users_without_second_factor',
      help: 'Local users who hold no token or push device yet, by group (`-`: in no group).',
      labelNames: ['group'],
      registers: [registry],
      async collect() {
        const counts = await without();
        this.reset();
        for (const [group, count] of counts) this.set({ group }, count);
      },
    });
  }
  const signIns = sources.signIns;
  if (signIns !== undefined) {
    new Counter({
      name: 'assent_sign_ins_total',
      help: 'Sign-in history rows: `written` to the store, or `dropped` while it kept failing (issue 18).',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        const counts = signIns();
        this.reset();
        this.inc({ result: 'written' }, counts.written);
        this.inc({ result: 'dropped' }, counts.dropped);
      },
    });
    new Counter({
      name: 'assent_sign_in_write_failures_total',
      help: 'Batches of the sign-in history the store refused (kept and tried again).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(signIns().failures);
      },
    });
  }
  const deliveries = new Counter({
    name: 'assent_push_deliveries_total',
    help: 'Push-service deliveries (Web Push, ntfy) by result; rejected and failed ones are delivery failures.',
    labelNames: ['result'],
    registers: [registry],
  });
  const answers = new Counter({
    name: 'assent_push_answers_total',
    help: 'Device answers to pushes, by result.',
    labelNames: ['result'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'assent_http_requests_total',
    help: 'Requests to the public listener, by route and status.',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'assent_decision_seconds',
    help: 'Time from a RADIUS request arriving to its decision (a held push request: to the answer).',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    registry,
    delivery: (result) => deliveries.inc({ result }),
    answer: (result) => answers.inc({ result }),
    http: (route, status) => requests.inc({ route, status: String(status) }),
    decisionSeconds: (seconds) => latency.observe(seconds),
  };
}
