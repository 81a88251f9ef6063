import type { V1Job } from '@kubernetes/client-node';
import { readResultsIndex, REPORT_FILE, type Experiment, type ObjectStore, type ResultsLayout } from 'swarmlab';
import type { ExperimentStatus } from '../api/status.ts';
import { partJobName, partParallelism, type JobConfig } from '../jobs/build-job.ts';
import { runsPerPodOf, type JobPart } from '../jobs/layout.ts';
import { jobName, resultsJobName } from '../jobs/names.ts';
import type { Observation, PartParallelism, ResultsObservation, StoreObservation } from '../status/decide.ts';
import { describeError, isNotFound, ownedBy } from './api-errors.ts';
import type { Calls, ReconcilerDeps } from './deps.ts';
import { failuresFromPods, type PodFailure } from './failures.ts';
import type { ObservedPart } from './job-parts.ts';
import type { StoreProgress, StoreProgressQuery } from './store-progress.ts';
import { JOB_UID_LABEL, observeQueue, parseWorkloads, WORKLOADS, type QueueObservation, type Workload } from '../kueue/workloads.ts';

// Reading the world for decide(): the Jobs, the store, why pods failed.
// Nothing here changes anything.

const FAILED_POD_SAMPLE = 20;

export interface PartsQuery {
  name: string;
  namespace: string;
  uid: string;
  digest: string;
  jobGeneration: number;
  parts: readonly JobPart[];
}

/**
 * The block size the Jobs of a generation were made with, read from its
 * first Job (unsplit, else part 0); undefined when neither exists, or it
 * belongs to an earlier Experiment. Read with a GET when the informer has not
 * seen it: a Job created by a pass whose status write was lost is found.
 */
export async function observeRunsPerPod(
  d: Pick<ReconcilerDeps, 'jobs' | 'batch'>,
  calls: Calls,
  q: Pick<PartsQuery, 'name' | 'namespace' | 'uid' | 'digest' | 'jobGeneration'>,
): Promise<number | undefined> {
  const names = [jobName(q.name, q.digest, q.jobGeneration), jobName(q.name, q.digest, q.jobGeneration, 0)];
  for (const name of names) {
    const cached = d.jobs.get(name, q.namespace);
    if (cached !== undefined && ownedBy(cached, q.uid)) return runsPerPodOf(cached);
  }
  for (const name of names) {
    try {
      const found = await calls.api('get', () => d.batch.readNamespacedJob({ name, namespace: q.namespace }));
      if (ownedBy(found, q.uid)) return runsPerPodOf(found);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return undefined;
}

/**
 * The current Jobs (one per part of the run matrix), authoritatively: a stale
 * cache must never make a deleted Job look alive or a new one look missing.
 * `waitForGc` when a Job of the name belongs to an earlier Experiment.
 */
export async function observeParts(d: Pick<ReconcilerDeps, 'jobs' | 'batch' | 'log'>, calls: Calls, q: PartsQuery): Promise<{ observed: ObservedPart[] } | { waitForGc: true }> {
  const observed: ObservedPart[] = [];
  for (const part of q.parts) {
    const partName = partJobName(q.name, q.digest, q.jobGeneration, part);
    let found: V1Job | undefined = d.jobs.get(partName, q.namespace);
    if (found === undefined) {
      try {
        found = await calls.api('get', () => d.batch.readNamespacedJob({ name: partName, namespace: q.namespace }));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (found !== undefined && !ownedBy(found, q.uid)) {
      d.log(`${q.namespace}/${q.name}: Job ${partName} belongs to an earlier Experiment of this name; waiting for the garbage collector`);
      return { waitForGc: true };
    }
    if (found !== undefined) observed.push({ job: found, part });
  }
  return { observed };
}

/**
 * The finishing step, once the manifest exists: written when the store
 * holds a results index built from this manifest, else the state of the
 * Job that builds it (why it failed: its pod's last log line).
 */
export async function observeResults(
  d: Pick<ReconcilerDeps, 'jobs' | 'batch' | 'core'>,
  calls: Calls,
  q: { name: string; namespace: string; uid: string; digest: string; store: ObjectStore; layout: ResultsLayout; manifestDigest: string },
): Promise<ResultsObservation> {
  const index = await calls.store('get', () => readResultsIndex(q.store, q.layout));
  if (index?.manifest_digest === q.manifestDigest) return { written: true, tablesURI: q.store.uriFor(q.layout.table('results.parquet')), reportURI: q.store.uriFor(q.layout.table(REPORT_FILE)) };
  const name = resultsJobName(q.name, q.digest);
  let job: V1Job | undefined = d.jobs.get(name, q.namespace);
  if (job === undefined) {
    try {
      job = await calls.api('get', () => d.batch.readNamespacedJob({ name, namespace: q.namespace }));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  if (job === undefined || !ownedBy(job, q.uid)) return { written: false, job: 'absent' };
  const ended = (type: string) => job.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true;
  if (ended('Complete')) return { written: false, job: 'succeeded' };
  if (!ended('Failed')) return { written: false, job: 'running' };
  const pods = await calls.api('list', () => d.core.listNamespacedPod({ namespace: q.namespace, labelSelector: `batch.kubernetes.io/job-name=${name}`, fieldSelector: 'status.phase=Failed', limit: 5 }));
  const lastLines = pods.items.map((p) => (p.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '').trim().split('\n').at(-1) ?? '').filter((l) => l !== '');
  return { written: false, job: { failed: (lastLines[0] ?? job.status?.conditions?.find((c) => c.type === 'Failed')?.message ?? 'the Job failed').slice(0, 600) } };
}

/** Succeeded runs: those with a run.json (ADR 0001: its presence means the run's outputs were validated and promoted). */
export async function observeStore(progress: StoreProgress, query: StoreProgressQuery): Promise<StoreObservation> {
  try {
    return { ok: true, succeeded: await progress.succeeded(query) };
  } catch (e) {
    return { ok: false, message: describeError(e).slice(0, 900) };
  }
}

/** A bounded sample of why pods failed, in global run indexes, each with the block of runs its pod held. */
export async function observeFailures(d: Pick<ReconcilerDeps, 'core'>, calls: Calls, namespace: string, parts: readonly ObservedPart[]): Promise<PodFailure[]> {
  const out: PodFailure[] = [];
  for (const { job, part } of parts) {
    if (out.length >= FAILED_POD_SAMPLE) break;
    if ((job.status?.failed ?? 0) === 0 && (job.status?.failedIndexes ?? '') === '') continue;
    const pods = await calls.api('list', () =>
      d.core.listNamespacedPod({
        namespace,
        labelSelector: `batch.kubernetes.io/job-name=${job.metadata?.name ?? ''}`,
        fieldSelector: 'status.phase=Failed',
        limit: FAILED_POD_SAMPLE,
      }),
    );
    out.push(...failuresFromPods(pods.items, part));
  }
  return out;
}

/** Each Job found and the parallelism the spec asks of it now. */
export function observeParallelism(exp: Experiment, config: Pick<JobConfig, 'defaultParallelism'>, parts: readonly JobPart[], observed: readonly ObservedPart[]): PartParallelism[] {
  const out: PartParallelism[] = [];
  for (const { job, part: observedPart } of observed) {
    const part = parts.find((p) => p.offset === observedPart.offset);
    if (part === undefined) continue;
    out.push({
      name: job.metadata?.name ?? '',
      current: job.spec?.parallelism,
      wanted: partParallelism(exp, config, part),
      finished: job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') === true,
    });
  }
  return out;
}

/**
 * Kueue's Workloads of the Jobs found (one list call, by the Job-UID label
 * Kueue sets), and what they say for decide(). Only for an Experiment with
 * spec.execution.queueName.
 */
export async function observeWorkloads(
  d: Pick<ReconcilerDeps, 'custom'>,
  calls: Calls,
  namespace: string,
  queueName: string,
  observed: readonly ObservedPart[],
): Promise<{ queue: QueueObservation; workloads: Workload[] }> {
  const uids = observed.map(({ job }) => job.metadata?.uid ?? '').filter((u) => u !== '');
  if (uids.length === 0) return { queue: observeQueue(queueName, uids, []), workloads: [] };
  let list: unknown;
  try {
    list = await calls.api('list', () => d.custom.listNamespacedCustomObject({ ...WORKLOADS, namespace, labelSelector: `${JOB_UID_LABEL} in (${uids.join(',')})` }));
  } catch (e) {
    if (!isNotFound(e)) throw e;
    // No Workload API: the Jobs (created suspended) wait, and the status says why.
    const message = `the Jobs wait for Kueue, but the API server does not serve ${WORKLOADS.group}/${WORKLOADS.version} ${WORKLOADS.plural}: install Kueue, or delete the Experiment and apply it without spec.execution.queueName`;
    return { queue: { ...observeQueue(queueName, uids, []), waiting: { reason: 'KueueNotInstalled', message }, undecided: false }, workloads: [] };
  }
  const items: unknown = (list as { items?: unknown }).items;
  const workloads = parseWorkloads(Array.isArray(items) ? items : []);
  return { queue: observeQueue(queueName, uids, workloads), workloads };
}

/** An observation with nothing read from the cluster or the store. */
export function emptyObservation(generation: number, now: Date, previous: ExperimentStatus | undefined, digest: string): Observation {
  return {
    generation,
    now,
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
    results: undefined,
    parallelism: [],
  };
}
