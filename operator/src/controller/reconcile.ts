import { randomBytes } from 'node:crypto';
import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type BatchV1Api,
  type CoreV1Api,
  type CustomObjectsApi,
  type KubernetesObject,
  type V1Job,
  type V1ObjectMeta,
} from '@kubernetes/client-node';
import { isSwarmlabError, SwarmlabError, builtinRegistry, validateExperiment, assembleManifest, formatManifest, type RunFailure as ManifestFailure, type RunRecord, readRunRecord, canonicalJson, API_GROUP, type Experiment, parseExperiment, specDigest, plan, runCount, ExperimentLayout, type ObjectStore } from 'swarmlab';
import { ExperimentStatus } from '../api/status.ts';
import type { OperatorConfig } from '../config.ts';
import { CRD_VERSION, PLURAL } from '../crd/generate.ts';
import type { OperatorMetrics, ApiVerb, StorageOp } from '../http/metrics.ts';
import { buildJob, buildSpecConfigMap, jobParts, MAX_INDEXED_COMPLETIONS, MAX_JOBS_PER_EXPERIMENT, partJobName, type ExperimentRef, type JobPart } from '../jobs/build-job.ts';
import { decide, staysFinished, type Action, type Decision, type JobObservation, type KubeEvent, type Observation, type RunFailure, type StoreObservation } from '../status/decide.ts';
import { contains } from '../status/intervals.ts';
import type { Clock } from './clock.ts';
import { failuresFromPods } from './failures.ts';
import { combineParts, parseJobIndexes, type ObservedPart } from './job-parts.ts';
import { setRecent } from './recent.ts';
import { StoreProgress, type StoreProgressQuery } from './store-progress.ts';

export interface ExperimentObject extends KubernetesObject {
  metadata?: V1ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

export interface ObjectCache<T> {
  get(name: string, namespace?: string): T | undefined;
}

export interface ReconcilerDeps {
  config: OperatorConfig;
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  core: CoreV1Api;
  experiments: ObjectCache<ExperimentObject>;
  jobs: ObjectCache<V1Job>;
  openStore: (uri: string) => ObjectStore;
  metrics: OperatorMetrics;
  clock: Clock;
  log: (msg: string) => void;
}

export interface ReconcileResult {
  /** Come back after this long even without events. */
  requeueAfterMs?: number;
  /** Come back after the key's backoff (a transient failure that was handled, e.g. storage down). */
  backoff?: boolean;
}

/** While work is in progress, re-check at least this often: the store has no watch. */
export const RUNNING_RESYNC_MS = 30_000;
/** Waiting for the garbage collector to remove a previous Experiment's children of the same name. */
const WAIT_FOR_GC_MS = 2_000;
const FAILED_POD_SAMPLE = 20;
const MANIFEST_READ_CONCURRENCY = 16;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function reasonOf(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function describeError(e: unknown): string {
  if (isSwarmlabError(e)) return e.describe();
  if (e instanceof ApiException) return `API ${e.code}: ${typeof e.body === 'string' ? e.body.slice(0, 300) : JSON.stringify(e.body).slice(0, 300)}`;
  return e instanceof Error ? e.message : String(e);
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiException && e.code === 409;
}
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiException && e.code === 404;
}

/** Runtime validation the API server cannot do. Returns the experiment as the runner will see it, or why it cannot run. */
export function prepare(
  obj: ExperimentObject,
  defaultStore: string | undefined,
  maxIndexesPerJob = MAX_INDEXED_COMPLETIONS,
): { exp: Experiment; total: number } | { invalid: { reason: string; message: string } } {
  try {
    const exp = parseExperiment({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata?.name }, spec: obj.spec }, `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
    const rawStore = (obj.spec as { output?: { store?: unknown } } | undefined)?.output?.store;
    if (typeof rawStore === 'string' && !rawStore.startsWith('s3://')) {
      // Runner pods have a read-only root and no shared volume: a file store in the spec cannot work on a cluster.
      throw new SwarmlabError('STORE_UNAVAILABLE', `store ${JSON.stringify(rawStore)} is not usable on a cluster: runner pods write to object storage`, {
        path: 'spec.output.store',
        hint: 'use s3://BUCKET/PREFIX, or remove spec.output to use the operator\'s default store',
      });
    }
    const store = typeof rawStore === 'string' ? rawStore : defaultStore;
    if (store === undefined) {
      throw new SwarmlabError('STORE_UNAVAILABLE', 'no object store: set spec.output.store or the operator\'s SWARMLAB_STORE', { path: 'spec.output.store' });
    }
    exp.spec.output.store = store;
    validateExperiment(exp, builtinRegistry);
    const total = runCount(exp.spec.sweep);
    const most = Math.min(maxIndexesPerJob, MAX_INDEXED_COMPLETIONS) * MAX_JOBS_PER_EXPERIMENT;
    if (total > most) {
      throw new SwarmlabError('SWEEP_TOO_LARGE', `the sweep has ${total} runs; on a cluster an Experiment holds at most ${most} (${MAX_JOBS_PER_EXPERIMENT} Jobs)`, {
        path: 'spec.sweep',
        hint: 'split the sweep into several Experiments',
      });
    }
    return { exp, total };
  } catch (e) {
    if (isSwarmlabError(e)) return { invalid: { reason: reasonOf(e.code), message: e.describe() } };
    throw e;
  }
}

/** Prepared specs by uid: validation resolves every parameter point, too costly to repeat on each Job update. */
const PREPARED_CACHE_SIZE = 4096;

export class Reconciler {
  private readonly d: ReconcilerDeps;
  private readonly prepared = new Map<string, { generation: number; store: string | undefined; result: ReturnType<typeof prepare> }>();
  private readonly storeProgress: StoreProgress;

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.storeProgress = new StoreProgress((op, fn) => this.storeOp(op, fn));
  }

  private async api<T>(verb: ApiVerb, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.d.metrics.apiErrors.inc({ verb });
      throw e;
    }
  }

  private async storeOp<T>(op: StorageOp, fn: () => Promise<T>): Promise<T> {
    this.d.metrics.storageOps.inc({ op });
    try {
      return await fn();
    } catch (e) {
      this.d.metrics.storageFailures.inc({ op });
      throw e;
    }
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const obj = this.d.experiments.get(name, namespace);
    if (obj === undefined || obj.metadata?.deletionTimestamp !== undefined) return {};
    const uid = obj.metadata?.uid ?? '';
    const owner: ExperimentRef = { name, namespace, uid };
    const parsedStatus = ExperimentStatus.safeParse(obj.status ?? {});
    const previous = parsedStatus.success && obj.status !== undefined ? parsedStatus.data : undefined;
    const generation = obj.metadata?.generation ?? 0;

    const prepared = this.prepareCached(obj, uid, generation);
    if ('invalid' in prepared) {
      const decision = decide({
        generation,
        now: new Date(this.d.clock.now()),
        previous,
        invalid: prepared.invalid,
        digest: previous?.specDigest ?? '',
        total: 0,
        resultsURI: '',
        suspend: false,
        job: undefined,
        store: { ok: true, succeeded: [] },
        failures: [],
        manifest: undefined,
      });
      await this.writeStatus(obj, previous, decision);
      return {};
    }
    const { exp, total } = prepared;
    const digest = specDigest(exp);
    if (previous !== undefined && staysFinished(previous, digest)) {
      // Nothing in the cluster or the store can change a finished Experiment, so neither is read: an operator starting with thousands of them lists no store.
      await this.writeStatus(obj, previous, decide(this.emptyObservation(generation, previous, digest)));
      return {};
    }
    const layout = ExperimentLayout.of(exp);
    let store: ObjectStore;
    try {
      store = this.d.openStore(exp.spec.output.store);
    } catch (e) {
      const decision = decide({ ...this.emptyObservation(generation, previous, digest), invalid: { reason: 'StoreUnavailable', message: describeError(e) } });
      await this.writeStatus(obj, previous, decision);
      return {};
    }

    // The current Jobs (one per part of the run matrix), authoritatively: a stale cache must never make a deleted Job look alive or a new one look missing.
    const generationNow = previous?.jobGeneration ?? 0;
    const parts = jobParts(total, this.d.config.maxIndexesPerJob);
    const observed: ObservedPart[] = [];
    for (const part of parts) {
      const partName = partJobName(name, digest, generationNow, part);
      let found = this.d.jobs.get(partName, namespace);
      if (found === undefined) {
        try {
          found = await this.api('get', () => this.d.batch.readNamespacedJob({ name: partName, namespace }));
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      if (found !== undefined && found.metadata?.ownerReferences?.some((r) => r.uid === uid) !== true) {
        this.d.log(`${key}: Job ${partName} belongs to an earlier Experiment of this name; waiting for the garbage collector`);
        return { requeueAfterMs: WAIT_FOR_GC_MS };
      }
      if (found !== undefined) observed.push({ job: found, offset: part.offset });
    }
    // A missing part is treated like a missing Job: a new generation of every part (finished runs are skipped by the runner).
    const complete = observed.length === parts.length;

    const job = complete ? combineParts(observed, generationNow) : undefined;
    const storeObs = await this.observeStore({
      key: `${uid}/${digest}/${generationNow}/${store.uri}`,
      store,
      layout,
      total,
      completed: parseJobIndexes(job?.completedIndexes),
      finished: job?.finished !== undefined,
      now: this.d.clock.now(),
    });
    const failures = complete ? await this.observeFailures(namespace, observed) : [];
    const manifest = previous?.manifestURI !== undefined && previous.manifestDigest !== undefined && previous.specDigest === digest ? { uri: previous.manifestURI, digest: previous.manifestDigest } : undefined;

    const observation: Observation = {
      generation,
      now: new Date(this.d.clock.now()),
      previous,
      invalid: undefined,
      digest,
      total,
      resultsURI: `${store.uriFor(layout.root)}/`,
      suspend: exp.spec.execution.suspend === true,
      job,
      store: storeObs,
      failures,
      manifest,
    };
    let decision = decide(observation);
    const outcome = await this.apply(obj, owner, exp, digest, total, parts, observed, decision.actions, store, layout, failures, storeObs);
    if (outcome.waitForGc) return { requeueAfterMs: WAIT_FOR_GC_MS };
    if (decision.status.phase === 'Running' || decision.status.phase === 'Suspended') await this.syncParallelism(owner, exp, digest, total, parts, observed);
    if (outcome.manifest !== undefined) decision = decide({ ...observation, manifest: outcome.manifest });
    await this.writeStatus(obj, previous, decision);
    if (!storeObs.ok) return { backoff: true };
    return decision.requeue ? { requeueAfterMs: RUNNING_RESYNC_MS } : {};
  }

  /**
   * spec.execution.parallelism may change while the sweep runs (it is not part
   * of the spec digest): unfinished Jobs follow it. A merge patch of one field,
   * so it never conflicts with other writers of the Job.
   */
  private async syncParallelism(owner: ExperimentRef, exp: Experiment, digest: string, total: number, parts: readonly JobPart[], observed: readonly ObservedPart[]): Promise<void> {
    for (const { job, offset } of observed) {
      if (job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') === true) continue;
      const part = parts.find((p) => p.offset === offset);
      if (part === undefined) continue;
      const want = buildJob({ owner, experiment: exp, digest, total, generation: 0, config: this.d.config, part }).spec?.parallelism;
      if (want === undefined || job.spec?.parallelism === want) continue;
      const name = job.metadata?.name ?? '';
      await this.api('patch', () => this.d.batch.patchNamespacedJob({ name, namespace: owner.namespace, body: { spec: { parallelism: want } } }, mergePatch));
      this.d.log(`${owner.namespace}/${owner.name}: Job ${name} parallelism ${job.spec?.parallelism ?? '-'} -> ${want}`);
    }
  }

  private prepareCached(obj: ExperimentObject, uid: string, generation: number): ReturnType<typeof prepare> {
    const hit = this.prepared.get(uid);
    // The spec changes only with metadata.generation; the result is cloned so no caller can alter the cached one.
    if (hit !== undefined && hit.generation === generation && hit.store === this.d.config.store) return structuredClone(hit.result);
    const result = prepare(obj, this.d.config.store, this.d.config.maxIndexesPerJob);
    setRecent(this.prepared, uid, { generation, store: this.d.config.store, result: structuredClone(result) }, PREPARED_CACHE_SIZE);
    return result;
  }

  private emptyObservation(generation: number, previous: ExperimentStatus | undefined, digest: string): Observation {
    return {
      generation,
      now: new Date(this.d.clock.now()),
      previous,
      invalid: undefined,
      digest,
      total: 0,
      resultsURI: '',
      suspend: false,
      job: undefined,
      store: { ok: true, succeeded: [] },
      failures: [],
      manifest: undefined,
    };
  }

  /** Succeeded runs: those with a run.json (ADR 0001: its presence means the run's outputs were validated and promoted). */
  private async observeStore(query: StoreProgressQuery): Promise<StoreObservation> {
    try {
      return { ok: true, succeeded: await this.storeProgress.succeeded(query) };
    } catch (e) {
      return { ok: false, message: describeError(e).slice(0, 900) };
    }
  }

  /** A bounded sample of why runs failed, in global run indexes. */
  private async observeFailures(namespace: string, parts: readonly ObservedPart[]): Promise<RunFailure[]> {
    const out: RunFailure[] = [];
    for (const { job, offset } of parts) {
      if (out.length >= FAILED_POD_SAMPLE) break;
      if ((job.status?.failed ?? 0) === 0 && (job.status?.failedIndexes ?? '') === '') continue;
      const pods = await this.api('list', () =>
        this.d.core.listNamespacedPod({
          namespace,
          labelSelector: `batch.kubernetes.io/job-name=${job.metadata?.name ?? ''}`,
          fieldSelector: 'status.phase=Failed',
          limit: FAILED_POD_SAMPLE,
        }),
      );
      for (const f of failuresFromPods(pods.items)) out.push({ ...f, index: f.index + offset });
    }
    return out;
  }

  private async apply(
    obj: ExperimentObject,
    owner: ExperimentRef,
    exp: Experiment,
    digest: string,
    total: number,
    parts: readonly JobPart[],
    observed: readonly ObservedPart[],
    actions: readonly Action[],
    store: ObjectStore,
    layout: ExperimentLayout,
    failures: readonly RunFailure[],
    storeObs: StoreObservation,
  ): Promise<{ waitForGc?: boolean; manifest?: { uri: string; digest: string } }> {
    const { namespace } = owner;
    let manifest: { uri: string; digest: string } | undefined;
    for (const action of actions) {
      switch (action.kind) {
        case 'ensureConfigMap': {
          const cm = buildSpecConfigMap(owner, exp, digest);
          const name = cm.metadata?.name ?? '';
          try {
            await this.api('create', () => this.d.core.createNamespacedConfigMap({ namespace, body: cm }));
          } catch (e) {
            if (!isConflict(e)) throw e;
            const existing = await this.api('get', () => this.d.core.readNamespacedConfigMap({ name, namespace }));
            if (existing.metadata?.ownerReferences?.some((r) => r.uid === owner.uid) !== true) return { waitForGc: true };
          }
          break;
        }
        case 'createJob': {
          // Every part, in order; a part that exists already (an earlier pass stopped half way) is kept.
          const created: string[] = [];
          for (const part of parts) {
            const job = buildJob({ owner, experiment: exp, digest, total, generation: action.generation, config: this.d.config, part });
            try {
              await this.api('create', () => this.d.batch.createNamespacedJob({ namespace, body: job }));
              created.push(job.metadata?.name ?? '');
            } catch (e) {
              if (!isConflict(e)) throw e;
              const existing = await this.api('get', () => this.d.batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace }));
              if (existing.metadata?.ownerReferences?.some((r) => r.uid === owner.uid) !== true) return { waitForGc: true };
            }
          }
          if (created.length === 0) break;
          if (action.generation === 0) {
            const createdAt = obj.metadata?.creationTimestamp;
            if (createdAt !== undefined) this.d.metrics.applyToWorkCreated.observe(Math.max(0, (this.d.clock.now() - new Date(createdAt).getTime()) / 1000));
          }
          const what = parts.length === 1 ? `Job ${created[0] ?? ''}` : `${created.length} of ${parts.length} Jobs (${created[0] ?? ''} .. ${created[created.length - 1] ?? ''}, at most ${parts[0]?.size ?? 0} runs each)`;
          await this.event(obj, { type: 'Normal', reason: 'JobCreated', message: `${what} for ${total} runs${action.generation > 0 ? ' (resumes: runs with outputs are skipped)' : ''}` });
          break;
        }
        case 'setJobSuspend':
          for (const { job } of observed) {
            if ((job.spec?.suspend === true) === action.suspend) continue;
            await this.api('patch', () => this.d.batch.patchNamespacedJob({ name: job.metadata?.name ?? '', namespace, body: { spec: { suspend: action.suspend } } }, mergePatch));
          }
          break;
        case 'writeManifest':
          if (storeObs.ok) manifest = await this.writeManifest(exp, store, layout, storeObs, failures);
          break;
      }
    }
    return manifest === undefined ? {} : { manifest };
  }

  /** The manifest, written last (ADR 0001): every run's record, failures for the rest. */
  private async writeManifest(
    exp: Experiment,
    store: ObjectStore,
    layout: ExperimentLayout,
    storeObs: Extract<StoreObservation, { ok: true }>,
    failures: readonly RunFailure[],
  ): Promise<{ uri: string; digest: string }> {
    const points = plan(exp);
    const records = new Map<number, RunRecord>();
    const todo = points.filter((p) => contains(storeObs.succeeded, p.index));
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const p = todo[next++]!;
        const rec = await this.storeOp('get', () => readRunRecord(store, layout, p.runId));
        if (rec !== undefined) records.set(p.index, rec);
      }
    };
    await Promise.all(Array.from({ length: Math.min(MANIFEST_READ_CONCURRENCY, todo.length) }, worker));
    const failed = new Map<number, ManifestFailure>();
    for (const f of failures) failed.set(f.index, { code: f.code ?? 'RUN_FAILED', message: f.message });
    const manifest = assembleManifest(exp, points, records, failed);
    await this.storeOp('put', () => store.put(layout.manifest, formatManifest(manifest)));
    return { uri: store.uriFor(layout.manifest), digest: manifest.digest };
  }

  /** Through /status, only when something changed. Keys that disappeared are removed explicitly (merge patch). */
  private async writeStatus(obj: ExperimentObject, previous: ExperimentStatus | undefined, decision: Decision): Promise<void> {
    const next = ExperimentStatus.parse(decision.status);
    if (previous !== undefined && canonicalJson(previous) === canonicalJson(next)) return;
    const patch: Record<string, unknown> = { ...next };
    for (const k of Object.keys(previous ?? {})) if (!(k in next)) patch[k] = null;
    const namespace = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    await this.api('patch', () =>
      this.d.custom.patchNamespacedCustomObjectStatus({ group: API_GROUP, version: CRD_VERSION, namespace, plural: PLURAL, name, body: { status: patch } }, mergePatch),
    );
    for (const ev of decision.events) await this.event(obj, ev);
  }

  private async event(obj: ExperimentObject, ev: KubeEvent): Promise<void> {
    const namespace = obj.metadata?.namespace ?? '';
    const now = new Date(this.d.clock.now());
    try {
      await this.api('create', () =>
        this.d.core.createNamespacedEvent({
          namespace,
          body: {
            metadata: { name: `${obj.metadata?.name ?? 'experiment'}.${randomBytes(8).toString('hex')}`, namespace },
            involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace, uid: obj.metadata?.uid },
            type: ev.type,
            reason: ev.reason,
            message: ev.message.slice(0, 1024),
            source: { component: 'swarmlab-operator' },
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
            reportingComponent: 'swarmlab.io/operator',
            reportingInstance: this.d.config.identity ?? 'swarmlab-operator',
          },
        }),
      );
    } catch (e) {
      // Events are best effort: losing one must not fail the reconcile.
      this.d.log(`event ${ev.reason} for ${namespace}/${obj.metadata?.name ?? ''}: ${describeError(e)}`);
    }
  }
}

