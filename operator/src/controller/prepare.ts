import { builtinRegistry, isAdaptive, isSwarmlabError, maxRunCount, parseExperiment, runCount, SwarmlabError, validateExperiment, type Experiment, type ModuleRegistry } from 'swarmlab';
import { jobParts, MAX_INDEXED_COMPLETIONS, MAX_JOBS_PER_EXPERIMENT, runsPerPodFor } from '../jobs/layout.ts';
import type { OperatorConfig } from '../config.ts';
import type { ExperimentObject } from './deps.ts';
import { setRecent } from './recent.ts';

export type Prepared = { exp: Experiment; total: number } | { invalid: { reason: string; message: string } };

/** A condition reason from an error code: STORE_UNAVAILABLE -> StoreUnavailable. */
export function reasonOf(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** Runtime validation the API server cannot do. Returns the experiment as the runner will see it, or why it cannot run. */
export function prepare(
  obj: ExperimentObject,
  defaultStore: string | undefined,
  maxIndexesPerJob = MAX_INDEXED_COMPLETIONS,
  check: { registry?: ModuleRegistry; hookTimeoutMs?: number; defaultParallelism?: number } = {},
): Prepared {
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
    validateExperiment(exp, check.registry ?? builtinRegistry, check);
    // An adaptive sweep runs its rounds' runs, at most maxRunCount, in a Job per round.
    const total = isAdaptive(exp.spec.sweep) ? maxRunCount(exp.spec.sweep) : runCount(exp.spec.sweep);
    const runsPerPod = runsPerPodFor(exp, total, check.defaultParallelism ?? 1);
    if (jobParts(total, maxIndexesPerJob, runsPerPod).length > MAX_JOBS_PER_EXPERIMENT) {
      const most = Math.min(maxIndexesPerJob, MAX_INDEXED_COMPLETIONS) * runsPerPod * MAX_JOBS_PER_EXPERIMENT;
      throw new SwarmlabError('SWEEP_TOO_LARGE', `the sweep has ${total} runs; on a cluster, at ${runsPerPod} run${runsPerPod === 1 ? '' : 's'} a pod, an Experiment holds at most ${most} (${MAX_JOBS_PER_EXPERIMENT} Jobs)`, {
        path: 'spec.sweep',
        hint: 'raise spec.execution.runsPerPod, or split the sweep into several Experiments',
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

export class PreparedSpecs {
  private readonly byUid = new Map<string, { generation: number; store: string | undefined; result: Prepared }>();
  private readonly config: Pick<OperatorConfig, 'store' | 'maxIndexesPerJob'> & Partial<Pick<OperatorConfig, 'defaultParallelism'>>;
  private readonly registry: ModuleRegistry;

  constructor(config: Pick<OperatorConfig, 'store' | 'maxIndexesPerJob'> & Partial<Pick<OperatorConfig, 'defaultParallelism'>>, registry: ModuleRegistry = builtinRegistry) {
    this.config = config;
    this.registry = registry;
  }

  get(obj: ExperimentObject, uid: string, generation: number): Prepared {
    const { store, maxIndexesPerJob, defaultParallelism } = this.config;
    const hit = this.byUid.get(uid);
    // The spec changes only with metadata.generation; the result is cloned so no caller can alter the cached one.
    if (hit !== undefined && hit.generation === generation && hit.store === store) return structuredClone(hit.result);
    const result = prepare(obj, store, maxIndexesPerJob, { registry: this.registry, ...(defaultParallelism !== undefined ? { defaultParallelism } : {}) });
    setRecent(this.byUid, uid, { generation, store, result: structuredClone(result) }, PREPARED_CACHE_SIZE);
    return result;
  }
}
