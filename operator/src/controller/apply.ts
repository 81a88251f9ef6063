import type { Experiment, ExperimentLayout, ObjectStore } from 'swarmlab';
import { buildJob, buildResultsJob, buildSpecConfigMap, type ExperimentRef } from '../jobs/build-job.ts';
import type { JobPart } from '../jobs/layout.ts';
import type { Action, ManifestWritten, StoreObservation } from '../status/decide.ts';
import { count } from '../status/intervals.ts';
import { isConflict, ownedBy } from './api-errors.ts';
import type { CheckedRuns } from './checked-runs.ts';
import { mergePatch, type Calls, type ExperimentObject, type ReconcilerDeps } from './deps.ts';
import { recordEvent } from './events.ts';
import type { PodFailure } from './failures.ts';
import type { ObservedPart } from './job-parts.ts';
import { writeManifest } from './write-manifest.ts';
import { WORKLOADS, type Workload } from '../kueue/workloads.ts';

/** What the actions of one reconcile act on: the Experiment as prepared and observed in this pass. */
export interface ApplyContext {
  deps: Pick<ReconcilerDeps, 'batch' | 'core' | 'custom' | 'config' | 'metrics' | 'clock' | 'log'>;
  calls: Calls;
  obj: ExperimentObject;
  owner: ExperimentRef;
  exp: Experiment;
  digest: string;
  total: number;
  parts: readonly JobPart[];
  observed: readonly ObservedPart[];
  store: ObjectStore;
  layout: ExperimentLayout;
  storeObs: StoreObservation;
  failures: readonly PodFailure[];
  /** Kueue's Workloads of the Jobs (spec.execution.queueName), as observed in this pass. */
  workloads: readonly Workload[];
  /** The runs checked as their blocks finished, under this pass's store progress key. */
  checked?: { runs: CheckedRuns; key: string };
}

export interface ApplyOutcome {
  /** A child of the same name belongs to an earlier Experiment: stop, and come back after the garbage collector. */
  waitForGc?: boolean;
  /** Set when this pass wrote the manifest. */
  manifest?: ManifestWritten;
}

/** Carries out decide()'s actions in order; nothing here decides what to change. */
export async function applyActions(ctx: ApplyContext, actions: readonly Action[]): Promise<ApplyOutcome> {
  let manifest: ManifestWritten | undefined;
  for (const action of actions) {
    switch (action.kind) {
      case 'ensureConfigMap':
        if (!(await ensureConfigMap(ctx))) return { waitForGc: true };
        break;
      case 'createJob':
        if (!(await createJobs(ctx, action.generation))) return { waitForGc: true };
        break;
      case 'setJobSuspend':
        for (const { job } of ctx.observed) {
          if ((job.spec?.suspend === true) === action.suspend) continue;
          await patchJob(ctx, job.metadata?.name ?? '', { suspend: action.suspend });
        }
        break;
      case 'setJobParallelism': {
        const current = ctx.observed.find((p) => p.job.metadata?.name === action.name)?.job.spec?.parallelism;
        await patchJob(ctx, action.name, { parallelism: action.parallelism });
        ctx.deps.log(`${ctx.owner.namespace}/${ctx.owner.name}: Job ${action.name} parallelism ${current ?? '-'} -> ${action.parallelism}`);
        break;
      }
      case 'setWorkloadsActive':
        for (const w of ctx.workloads) {
          if ((w.spec?.active !== false) === action.active) continue;
          await ctx.calls.api('patch', () =>
            ctx.deps.custom.patchNamespacedCustomObject({ ...WORKLOADS, namespace: ctx.owner.namespace, name: w.metadata.name, body: { spec: { active: action.active } } }, mergePatch),
          );
          ctx.deps.log(`${ctx.owner.namespace}/${ctx.owner.name}: Workload ${w.metadata.name} spec.active -> ${action.active}`);
        }
        break;
      case 'createResultsJob':
        if (!(await createResultsJob(ctx))) return { waitForGc: true };
        break;
      case 'writeManifest':
        if (ctx.storeObs.ok) {
          const { checked } = ctx;
          const kept = checked === undefined ? undefined : await checked.runs.settle(ctx.owner.uid, checked.key);
          const input = { exp: ctx.exp, store: ctx.store, layout: ctx.layout, succeeded: ctx.storeObs.succeeded, failures: ctx.failures, ...(kept !== undefined ? { kept } : {}) };
          manifest = await writeManifest(ctx.calls, action.notRun === undefined ? input : { ...input, notRun: action.notRun });
          checked?.runs.forget(ctx.owner.uid, checked.key);
          ctx.deps.log(`${ctx.owner.namespace}/${ctx.owner.name}: manifest written; of ${count(ctx.storeObs.succeeded)} succeeded runs, ${kept?.size ?? 0} were checked as their blocks finished, the rest now`);
        }
        break;
    }
  }
  return manifest === undefined ? {} : { manifest };
}

/** The Job that builds the tables. False when one of the name belongs to an earlier Experiment. */
async function createResultsJob(ctx: ApplyContext): Promise<boolean> {
  const { namespace } = ctx.owner;
  const job = buildResultsJob({ owner: ctx.owner, digest: ctx.digest, resultsURI: `${ctx.store.uriFor(ctx.layout.root)}/`, config: ctx.deps.config });
  try {
    await ctx.calls.api('create', () => ctx.deps.batch.createNamespacedJob({ namespace, body: job }));
  } catch (e) {
    if (!isConflict(e)) throw e;
    const existing = await ctx.calls.api('get', () => ctx.deps.batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace }));
    return ownedBy(existing, ctx.owner.uid);
  }
  return true;
}

/** A merge patch of the Job's spec fields named: it never conflicts with other writers of the Job. */
async function patchJob(ctx: ApplyContext, name: string, spec: { suspend?: boolean; parallelism?: number }): Promise<void> {
  await ctx.calls.api('patch', () => ctx.deps.batch.patchNamespacedJob({ name, namespace: ctx.owner.namespace, body: { spec } }, mergePatch));
}

/** The spec ConfigMap the pods mount. False when one of the name belongs to an earlier Experiment. */
async function ensureConfigMap(ctx: ApplyContext): Promise<boolean> {
  const { namespace } = ctx.owner;
  const cm = buildSpecConfigMap(ctx.owner, ctx.exp, ctx.digest);
  const name = cm.metadata?.name ?? '';
  try {
    await ctx.calls.api('create', () => ctx.deps.core.createNamespacedConfigMap({ namespace, body: cm }));
  } catch (e) {
    if (!isConflict(e)) throw e;
    const existing = await ctx.calls.api('get', () => ctx.deps.core.readNamespacedConfigMap({ name, namespace }));
    if (!ownedBy(existing, ctx.owner.uid)) return false;
  }
  return true;
}

/** Every part, in order; a part that exists already (an earlier pass stopped half way) is kept. False when one belongs to an earlier Experiment. */
async function createJobs(ctx: ApplyContext, generation: number): Promise<boolean> {
  const { owner, parts, total, deps: d } = ctx;
  const { namespace } = owner;
  const created: string[] = [];
  for (const part of parts) {
    const job = buildJob({ owner, experiment: ctx.exp, digest: ctx.digest, total, generation, config: d.config, part });
    try {
      await ctx.calls.api('create', () => d.batch.createNamespacedJob({ namespace, body: job }));
      created.push(job.metadata?.name ?? '');
    } catch (e) {
      if (!isConflict(e)) throw e;
      const existing = await ctx.calls.api('get', () => d.batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace }));
      if (!ownedBy(existing, owner.uid)) return false;
    }
  }
  if (created.length === 0) return true;
  if (generation === 0) {
    const createdAt = ctx.obj.metadata?.creationTimestamp;
    if (createdAt !== undefined) d.metrics.applyToWorkCreated.observe(Math.max(0, (d.clock.now() - new Date(createdAt).getTime()) / 1000));
  }
  const what = parts.length === 1 ? `Job ${created[0] ?? ''}` : `${created.length} of ${parts.length} Jobs (${created[0] ?? ''} .. ${created[created.length - 1] ?? ''}, at most ${parts[0]?.size ?? 0} runs each)`;
  const perPod = parts[0]?.runsPerPod ?? 1;
  const pods = parts.reduce((n, p) => n + p.indexes, 0);
  const blocks = perPod === 1 ? '' : `, ${perPod} runs a pod (${pods} pods)`;
  await recordEvent(d, ctx.calls, ctx.obj, { type: 'Normal', reason: 'JobCreated', message: `${what} for ${total} runs${blocks}${generation > 0 ? ' (resumes: runs with outputs are skipped)' : ''}` });
  return true;
}
