import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Phase } from '../api/status.ts';

// The operator's own registry (never prom-client's global one), so two
// operators in one process (tests) do not collide. Every label has a fixed,
// small value set: no experiment names, no URLs.

export type ApiVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
export type StorageOp = 'list' | 'get' | 'put';

export interface ExperimentCounts {
  byPhase: Readonly<Record<Phase | 'Unknown', number>>;
  runs: { pending: number; running: number; succeeded: number; failed: number };
}

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileDuration: Histogram<'result'>;
  readonly queueDepth: Gauge;
  readonly queueRetries: Counter;
  readonly apiErrors: Counter<'verb'>;
  readonly apiRequests: Counter<'verb' | 'resource'>;
  readonly storageOps: Counter<'op'>;
  readonly storageFailures: Counter<'op'>;
  readonly applyToWorkCreated: Histogram;
  readonly leader: Gauge;
  readonly httpRequests: Counter<'route' | 'method' | 'code'>;

  constructor(counts: () => ExperimentCounts, opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'swarmlab_operator_' });
    new Gauge({
      name: 'swarmlab_experiments',
      help: 'Experiments known to the operator, by phase.',
      labelNames: ['phase'],
      registers,
      collect() {
        const c = counts();
        for (const [phase, n] of Object.entries(c.byPhase)) this.set({ phase }, n);
      },
    });
    new Gauge({
      name: 'swarmlab_runs',
      help: 'Runs of all known experiments, by outcome.',
      labelNames: ['outcome'],
      registers,
      collect() {
        const c = counts();
        for (const [outcome, n] of Object.entries(c.runs)) this.set({ outcome }, n);
      },
    });
    this.reconcileDuration = new Histogram({
      name: 'swarmlab_reconcile_duration_seconds',
      help: 'Time one reconcile of an Experiment took, by result (success, requeue, error).',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'swarmlab_workqueue_depth', help: 'Keys waiting in the work queue.', registers });
    this.queueRetries = new Counter({ name: 'swarmlab_workqueue_retries_total', help: 'Keys re-queued with backoff after a failed reconcile.', registers });
    this.apiErrors = new Counter({ name: 'swarmlab_api_errors_total', help: 'Failed Kubernetes API requests, by verb.', labelNames: ['verb'], registers });
    this.apiRequests = new Counter({
      name: 'swarmlab_api_requests_total',
      help: 'Kubernetes API requests sent (watches included), by verb and resource (experiments, experiments/status, jobs, pods, ...).',
      labelNames: ['verb', 'resource'],
      registers,
    });
    this.storageOps = new Counter({ name: 'swarmlab_storage_operations_total', help: 'Object store operations, by operation.', labelNames: ['op'], registers });
    this.storageFailures = new Counter({ name: 'swarmlab_storage_failures_total', help: 'Failed object store operations, by operation.', labelNames: ['op'], registers });
    this.applyToWorkCreated = new Histogram({
      name: 'swarmlab_apply_to_work_created_seconds',
      help: 'Time from an Experiment\'s creation to all of its Jobs existing.',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.leader = new Gauge({ name: 'swarmlab_leader', help: '1 while this replica holds the leader Lease.', registers });
    this.httpRequests = new Counter({
      name: 'swarmlab_http_requests_total',
      help: 'HTTP requests served, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'code'],
      registers,
    });
  }
}
