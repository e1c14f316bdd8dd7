import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Distinct operation names kept as label values; any beyond are counted as "other". */
export const MAX_OPERATION_LABELS = 200;

/** Prometheus metrics of one process, served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  readonly requests = new Counter({
    name: 'clavis_graphql_requests_total',
    help: 'GraphQL operations by operation name and outcome (ok, or the first error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'clavis_graphql_request_duration_seconds',
    help: 'GraphQL operation latency by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly rateLimitRejections = new Counter({
    name: 'clavis_rate_limit_rejections_total',
    help: 'Requests refused with RATE_LIMITED.',
    registers: [this.registry],
  });

  readonly admissionRejections = new Counter({
    name: 'clavis_admission_rejections_total',
    help: 'GraphQL operations refused with OVERLOADED (HTTP 503) by admission control, by class (cheap, expensive).',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });

  /** In-flight and queued gauges of admission control, read when /metrics is scraped (nothing on the request path). */
  trackAdmission(state: (admissionClass: 'cheap' | 'expensive') => { inFlight: number; cost: number; queued: number }): void {
    const classes = ['cheap', 'expensive'] as const;
    new Gauge({
      name: 'clavis_admission_in_flight',
      help: 'GraphQL operations admitted and not yet answered, by class.',
      labelNames: ['class'] as const,
      registers: [this.registry],
      collect() {
        for (const name of classes) this.set({ class: name }, state(name).inFlight);
      },
    });
    new Gauge({
      name: 'clavis_admission_cost_in_flight',
      help: 'Summed query cost of the GraphQL operations in flight, by class.',
      labelNames: ['class'] as const,
      registers: [this.registry],
      collect() {
        for (const name of classes) this.set({ class: name }, state(name).cost);
      },
    });
    new Gauge({
      name: 'clavis_admission_queued',
      help: 'GraphQL operations waiting for admission, by class.',
      labelNames: ['class'] as const,
      registers: [this.registry],
      collect() {
        for (const name of classes) this.set({ class: name }, state(name).queued);
      },
    });
  }

  /**
   * The `operation` label of a request. Operation names are chosen by clients: label values
   * are kept for authenticated callers only and bounded in number, so nobody can grow the
   * metrics (every label value is a series kept for the life of the process) without limit.
   */
  operationLabel(operationName: string | undefined, authenticated: boolean): string {
    if (!authenticated) return 'unauthenticated';
    const name = operationName ?? 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_LABELS) return 'other';
    this.operationNames.add(name);
    return name;
  }

  constructor(pool?: Pool) {
    collectDefaultMetrics({ register: this.registry, prefix: 'clavis_' });
    if (pool) {
      new Gauge({
        name: 'clavis_db_pool_connections',
        help: 'Database pool connections by state.',
        labelNames: ['state'] as const,
        registers: [this.registry],
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
  }
}
