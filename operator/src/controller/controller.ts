import {
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type V1Job,
} from '@kubernetes/client-node';
import { API_GROUP, ExperimentLayout, openStore, readBuiltFile, REPORT_FILE, type BuiltFileRead, type ModuleRegistry, type ObjectStore } from 'swarmlab';
import { ExperimentStatus, type Phase } from '../api/status.ts';
import type { OperatorConfig } from '../config.ts';
import { CRD_VERSION, PLURAL } from '../crd/generate.ts';
import type { ExperimentCounts, OperatorMetrics } from '../http/metrics.ts';
import { LABELS, MANAGED_BY } from '../jobs/names.ts';
import { realClock, type Clock } from './clock.ts';
import { ResilientInformer } from './informer.ts';
import { LeaderElector, type LeaseTimings } from './leader.ts';
import { WorkQueue } from './queue.ts';
import type { ExperimentObject } from './deps.ts';
import { prepare } from './prepare.ts';
import { Reconciler } from './reconcile.ts';
import type { ExperimentView, HttpSource } from '../http/server.ts';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  config: OperatorConfig;
  metrics: OperatorMetrics;
  clock?: Clock;
  openStore?: (uri: string) => ObjectStore;
  leaseTimings?: Partial<LeaseTimings>;
  log?: (msg: string) => void;
  /** The modules specs are checked against (built-in and the image's plugins). Default: the built-in ones. */
  registry?: ModuleRegistry;
  /** Called after this replica lost the Lease and stopped acting (main exits non-zero so it restarts clean). */
  onLostLeadership?: () => void;
}

export type LeaderState = 'leader' | 'standby' | 'disabled';

/**
 * Informers feed keys to the work queue; N workers reconcile keys, one key
 * at a time each. Only the leader runs workers; a standby keeps its caches
 * warm so it can take over at once.
 */
export class Controller {
  readonly queue: WorkQueue;
  readonly experiments: ResilientInformer<ExperimentObject>;
  readonly jobs: ResilientInformer<V1Job>;
  private readonly o: ControllerOptions;
  private readonly clock: Clock;
  private readonly reconciler: Reconciler;
  private readonly elector: LeaderElector | undefined;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  private electorRun: Promise<void> | undefined;
  private leading = false;
  private stopping = false;
  private readonly log: (msg: string) => void;

  constructor(o: ControllerOptions) {
    this.o = o;
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? ((m) => console.log(m));
    const kc = o.kubeConfig;
    const custom = kc.makeApiClient(CustomObjectsApi);
    const batch = kc.makeApiClient(BatchV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = o.config.namespace;
    const metrics = o.metrics;
    this.queue = new WorkQueue({
      clock: this.clock,
      hooks: { onDepth: (d) => metrics.queueDepth.set(d), onRetry: () => metrics.queueRetries.inc() },
    });
    const relistMs = o.config.resyncSeconds * 1000;
    const onError = (verb: 'list' | 'watch') => (err: unknown) => {
      metrics.apiErrors.inc({ verb });
      this.log(`informer: ${err instanceof Error ? err.message : String(err)}`);
    };
    this.experiments = new ResilientInformer<ExperimentObject>({
      kubeConfig: kc,
      path: ns === undefined ? `/apis/${API_GROUP}/${CRD_VERSION}/${PLURAL}` : `/apis/${API_GROUP}/${CRD_VERSION}/namespaces/${ns}/${PLURAL}`,
      list: async () =>
        (ns === undefined
          ? await custom.listClusterCustomObject({ group: API_GROUP, version: CRD_VERSION, plural: PLURAL })
          : await custom.listNamespacedCustomObject({ group: API_GROUP, version: CRD_VERSION, namespace: ns, plural: PLURAL })) as KubernetesListObject<ExperimentObject>,
      relistMs,
      clock: this.clock,
      onEvent: (_verb, obj) => this.enqueue(obj.metadata?.namespace, obj.metadata?.name),
      onError: onError('watch'),
    });
    const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
    this.jobs = new ResilientInformer<V1Job>({
      kubeConfig: kc,
      path: ns === undefined ? '/apis/batch/v1/jobs' : `/apis/batch/v1/namespaces/${ns}/jobs`,
      list: () => (ns === undefined ? batch.listJobForAllNamespaces({ labelSelector: selector }) : batch.listNamespacedJob({ namespace: ns, labelSelector: selector })),
      labelSelector: selector,
      relistMs,
      clock: this.clock,
      // A Job event is work for its owning Experiment.
      onEvent: (_verb, job) => {
        const owner = job.metadata?.ownerReferences?.find((r) => r.kind === 'Experiment' && r.controller === true);
        if (owner !== undefined) this.enqueue(job.metadata?.namespace, owner.name);
      },
      onError: onError('watch'),
    });
    this.reconciler = new Reconciler({
      config: o.config,
      custom,
      batch,
      core,
      experiments: this.experiments,
      jobs: this.jobs,
      openStore: o.openStore ?? ((uri) => openStore(uri)),
      metrics,
      clock: this.clock,
      log: this.log,
      ...(o.registry ? { registry: o.registry } : {}),
    });
    if (o.config.leaderElection) {
      this.elector = new LeaderElector({
        api: kc.makeApiClient(CoordinationV1Api),
        namespace: o.config.leaseNamespace,
        name: o.config.leaseName,
        identity: o.config.identity ?? `swarmlab-operator-${process.pid}`,
        ...(o.leaseTimings !== undefined ? { timings: o.leaseTimings } : {}),
        clock: this.clock,
        onStartedLeading: () => this.startLeading(),
        onStoppedLeading: () => this.stopLeading(),
        log: this.log,
      });
    }
  }

  get leaderState(): LeaderState {
    if (this.elector === undefined) return 'disabled';
    return this.leading ? 'leader' : 'standby';
  }

  get synced(): boolean {
    return this.experiments.synced && this.jobs.synced;
  }

  private enqueue(namespace: string | undefined, name: string | undefined): void {
    if (namespace !== undefined && name !== undefined) this.queue.add(`${namespace}/${name}`);
  }

  /** Starts informers (resolves when both listed), then campaigns or runs workers. */
  async start(): Promise<void> {
    await Promise.all([this.experiments.start(), this.jobs.start()]);
    this.log(`informers synced: ${this.experiments.list().length} experiments, ${this.jobs.list().length} jobs`);
    if (this.elector === undefined) this.startLeading();
    else this.electorRun = this.elector.run(this.abort.signal);
  }

  private startLeading(): void {
    if (this.leading || this.stopping) return;
    this.leading = true;
    this.o.metrics.leader.set(1);
    // Everything known is work after taking over: level-triggered, nothing is assumed done.
    for (const e of this.experiments.list()) this.enqueue(e.metadata?.namespace, e.metadata?.name);
    this.workers = Array.from({ length: this.o.config.workers }, () => this.worker());
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.o.metrics.leader.set(0);
    // Lost the Lease: another replica acts now, so this one must stop at once.
    this.queue.shutdown();
    if (!this.stopping) {
      this.log('lost leadership; stopping');
      void this.stop().then(() => this.o.onLostLeadership?.());
    }
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const end = this.o.metrics.reconcileDuration.startTimer();
      try {
        const r = await this.reconciler.reconcile(key);
        if (r.backoff === true) {
          this.queue.addRateLimited(key);
          end({ result: 'requeue' });
        } else {
          this.queue.forget(key);
          if (r.requeueAfterMs !== undefined) this.queue.addAfter(key, r.requeueAfterMs);
          end({ result: 'success' });
        }
      } catch (e) {
        end({ result: 'error' });
        const ms = this.queue.addRateLimited(key);
        this.log(`reconcile ${key} failed (retry in ${ms} ms): ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Graceful: no new keys, in-flight reconciles finish, informers stop, the Lease is released. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.queue.shutdown();
    await Promise.all(this.workers);
    await this.reconciler.stop();
    this.abort.abort();
    await this.electorRun;
    await Promise.all([this.experiments.stop(), this.jobs.stop()]);
    this.o.metrics.leader.set(0);
  }

  private view(e: ExperimentObject): ExperimentView {
    return { namespace: e.metadata?.namespace ?? '', name: e.metadata?.name ?? '', status: e.status, spec: e.spec, creationTimestamp: e.metadata?.creationTimestamp?.toString() };
  }

  listViews(namespace?: string): ExperimentView[] {
    return this.experiments.list(namespace).map((e) => this.view(e));
  }

  getView(namespace: string, name: string): ExperimentView | undefined {
    const e = this.experiments.get(name, namespace);
    return e === undefined ? undefined : this.view(e);
  }

  async readManifest(namespace: string, name: string): Promise<unknown> {
    const e = this.experiments.get(name, namespace);
    if (e === undefined) return undefined;
    const p = prepare(e, this.o.config.store, undefined, this.o.registry ? { registry: this.o.registry } : {});
    if ('invalid' in p) return undefined;
    const bytes = await (this.o.openStore ?? openStore)(p.exp.spec.output.store).get(ExperimentLayout.of(p.exp).manifest);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as unknown);
  }

  async readReport(namespace: string, name: string): Promise<BuiltFileRead | undefined> {
    const e = this.experiments.get(name, namespace);
    if (e === undefined) return undefined;
    const s = ExperimentStatus.safeParse(e.status ?? {});
    const manifestDigest = s.success ? s.data.manifestDigest : undefined;
    if (manifestDigest === undefined) return undefined;
    const p = prepare(e, this.o.config.store, undefined, this.o.registry ? { registry: this.o.registry } : {});
    if ('invalid' in p) return undefined;
    return readBuiltFile((this.o.openStore ?? openStore)(p.exp.spec.output.store), ExperimentLayout.of(p.exp), REPORT_FILE, manifestDigest);
  }

  /** For /metrics and the JSON API: counts from the informer cache. */
  counts(): ExperimentCounts {
    const byPhase: Record<Phase | 'Unknown', number> = { Pending: 0, Queued: 0, Running: 0, Suspended: 0, Complete: 0, Failed: 0, Invalid: 0, Unknown: 0 };
    const runs = { pending: 0, running: 0, succeeded: 0, failed: 0 };
    for (const e of this.experiments.list()) {
      const s = ExperimentStatus.safeParse(e.status ?? {});
      const phase = s.success ? s.data.phase : undefined;
      byPhase[phase ?? 'Unknown']++;
      const r = s.success ? s.data.runs : undefined;
      if (r !== undefined) {
        runs.pending += r.pending;
        runs.running += r.running;
        runs.succeeded += r.succeeded;
        runs.failed += r.failed;
      }
    }
    return { byPhase, runs };
  }
}

/** The operator's HTTP API reads this controller's cache and its stores. */
export function httpSourceOf(c: Controller): HttpSource {
  return {
    synced: () => c.synced,
    leaderState: () => c.leaderState,
    list: (ns) => c.listViews(ns),
    get: (ns, name) => c.getView(ns, name),
    readManifest: (ns, name) => c.readManifest(ns, name),
    readReport: (ns, name) => c.readReport(ns, name),
  };
}
