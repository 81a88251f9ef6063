import type { ConditionType, ExperimentStatus, Phase } from '../api/status.ts';
import { MAX_INTERVALS_LENGTH } from '../api/status.ts';
import { conditionsFrom, conditionStatus, initialConditions, type ConditionValue } from './conditions.ts';
import { RESULTS_JOB_FAILED, resultsSettled, type RunFailure } from 'swarmlab';
import { count, difference, formatIntervals, normalise, parseIntervals, type Intervals } from './intervals.ts';
import type { QueueObservation } from '../kueue/workloads.ts';

export type { QueueObservation };

// The level-triggered core of reconcile, as a pure function: what is observed
// now (the Experiment, its current Job, the store) in; the status it should
// have and the actions that converge the world out. Nothing here depends on
// which event arrived.

export interface JobObservation {
  name: string;
  generation: number;
  /** spec.suspend (of every part, when the sweep is split over several Jobs) */
  suspended: boolean;
  /** Some part is suspended (a split sweep caught between suspend and resume). */
  someSuspended?: boolean;
  /** Runs held by running pods: pods x runs a pod (a pod's block counts as running until it ends). */
  active: number;
  completedIndexes: string | undefined;
  failedIndexes: string | undefined;
  /** Set once the Job has a Complete or Failed condition. */
  finished: { type: 'Complete' | 'Failed'; reason: string; message: string } | undefined;
}

export type StoreObservation = { ok: true; succeeded: Intervals } | { ok: false; message: string };

/** Why a run's last attempt failed (a bounded sample): the runner's failure record, or what its pod's status says. */
export type { RunFailure };

/** One existing Job (part) and the parallelism the spec asks of it now. */
export interface PartParallelism {
  name: string;
  /** spec.parallelism as observed */
  current: number | undefined;
  /** What spec.execution.parallelism (shared between the parts) asks for. */
  wanted: number;
  /** The part has a Complete or Failed condition: nothing to change. */
  finished: boolean;
}

export interface Observation {
  /** metadata.generation */
  generation: number;
  now: Date;
  previous: ExperimentStatus | undefined;
  /** Runtime validation failure: a terminal InvalidSpec. */
  invalid: { reason: string; message: string } | undefined;
  digest: string;
  total: number;
  resultsURI: string;
  suspend: boolean;
  /** spec.execution.maxFailedRuns: the failure budget, in runs, across every Job of the sweep. */
  maxFailedRuns?: number;
  /** The Job of generation previous.jobGeneration (or 0), read authoritatively; undefined when it does not exist. */
  job: JobObservation | undefined;
  store: StoreObservation;
  failures: readonly RunFailure[];
  /** Set once the manifest has been written (this pass or before). */
  manifest: ManifestWritten | undefined;
  /** The finishing step's state, observed once the manifest exists. */
  results: ResultsObservation | undefined;
  /** Every Job part found, of the current generation (empty when none or not observed). */
  parallelism: readonly PartParallelism[];
  /**
   * Set when Kueue admits the Jobs (spec.execution.queueName): their suspend
   * and parallelism are Kueue's, so pausing and stopping go through the
   * Workloads' spec.active instead.
   */
  queue?: QueueObservation;
}

/** The Job condition reason when more indexes failed than maxFailedIndexes (spec.execution.maxFailedRuns). */
export const MAX_FAILED_INDEXES_EXCEEDED = 'MaxFailedIndexesExceeded';

export type RunFailureCause = Pick<RunFailure, 'code' | 'message' | 'path'>;

/** The condition reason when the operator stopped the Jobs because more runs failed than spec.execution.maxFailedRuns allows. */
export const MAX_FAILED_RUNS_EXCEEDED = 'MaxFailedRunsExceeded';

const budgetSpent: RunFailureCause = {
  code: 'NOT_STARTED',
  message: 'not started: more runs failed than spec.execution.maxFailedRuns allows, so the Job started no further run; delete and apply the Experiment again to run it (finished runs are kept)',
  path: 'spec.execution.maxFailedRuns',
};

/** The manifest once written. `altered`: runs whose stored files no longer matched their run.json when it was written (failures in it). */
export interface ManifestWritten {
  uri: string;
  digest: string;
  altered?: readonly RunFailure[];
}

/**
 * The results tables beside the manifest: `written` when a results index
 * built from this manifest is in the store (its tables' URI), else the state
 * of the Job that builds them.
 */
export type ResultsObservation =
  | { written: true; tablesURI: string; reportURI: string }
  | { written: false; job: 'absent' | 'running' | 'succeeded' | { failed: string } };

export type Action =
  | { kind: 'ensureConfigMap' }
  | { kind: 'createJob'; generation: number }
  | { kind: 'setJobSuspend'; name: string; suspend: boolean }
  | { kind: 'setJobParallelism'; name: string; parallelism: number }
  /** Kueue-managed Jobs: spec.active of every Workload of the Experiment's Jobs (false: Kueue evicts and suspends them). */
  | { kind: 'setWorkloadsActive'; active: boolean }
  /** The finishing step: a Job running the runner image builds the tables from the manifest. */
  | { kind: 'createResultsJob' }
  /** `notRun` describes, in the manifest, the runs neither succeeded nor failed (default: no validated outputs). */
  | { kind: 'writeManifest'; notRun?: RunFailureCause };

export interface KubeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Decision {
  status: ExperimentStatus;
  actions: Action[];
  events: KubeEvent[];
  /** Come back even without a watch event (store changes have none). */
  requeue: boolean;
}

const TERMINAL: readonly Phase[] = ['Complete', 'Failed'];

/**
 * Terminal phases stay terminal for their spec: finished Jobs may be deleted
 * by their TTL and must not be re-run. Once the finishing step has settled
 * too (tables written, or their Job failed), nothing is read again.
 */
export function staysFinished(prev: ExperimentStatus, digest: string): boolean {
  return prev.phase !== undefined && TERMINAL.includes(prev.phase) && prev.specDigest === digest && resultsSettled(prev);
}

/** Every run has ended and the manifest is written: nothing about the runs can change any more. */
export function runsOver(prev: ExperimentStatus, digest: string): boolean {
  return prev.phase !== undefined && TERMINAL.includes(prev.phase) && prev.specDigest === digest && prev.manifestURI !== undefined && prev.manifestDigest !== undefined;
}

/** The finishing step once the manifest exists: ResultsReady, and the results Job to create while the tables are missing. */
export function finishingStep(results: ResultsObservation | undefined): { condition: ConditionValue; actions: Action[]; requeue: boolean; built?: Pick<ExperimentStatus, 'tablesURI' | 'reportURI'> } {
  const r = results ?? { written: false, job: 'absent' };
  if (r.written) {
    return {
      condition: { status: 'True', reason: 'TablesWritten', message: `results table ${r.tablesURI}, with results.csv and the per-point statistics beside it; report ${r.reportURI}` },
      actions: [],
      requeue: false,
      built: { tablesURI: r.tablesURI, reportURI: r.reportURI },
    };
  }
  if (typeof r.job === 'object') return { condition: { status: 'False', reason: RESULTS_JOB_FAILED, message: `the Job building the tables failed: ${r.job.failed}` }, actions: [], requeue: false };
  return {
    condition: { status: 'False', reason: 'Building', message: 'a Job is building the results tables from the manifest' },
    actions: r.job === 'absent' ? [{ kind: 'createResultsJob' }] : [],
    requeue: true,
  };
}

export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function clip(set: Intervals, total: number): Intervals {
  return difference(set, total > 0 ? [[total, Number.MAX_SAFE_INTEGER]] : [[0, Number.MAX_SAFE_INTEGER]]);
}

function describeFailures(failures: readonly RunFailure[], failed: number): string {
  if (failed === 0) return '';
  const shown = failures.slice(0, 3).map((f) => `run ${f.index}: ${f.code}: ${f.message}`);
  return `${failed} run${failed === 1 ? '' : 's'} failed${shown.length > 0 ? `; ${shown.join('; ')}` : ''}`;
}

export function decide(obs: Observation): Decision {
  const { previous: prev, now } = obs;
  const nowText = isoSeconds(now);
  const generationRecorded = prev?.jobGeneration;
  const actions: Action[] = [];
  let requeue = false;

  const c = initialConditions(obs.queue !== undefined);

  const specChanged = prev?.specDigest !== undefined && prev.specDigest !== obs.digest;
  if (obs.invalid !== undefined || specChanged) {
    const why = obs.invalid ?? {
      reason: 'SpecChanged',
      message: `the scenario or sweep changed after creation (digest ${prev?.specDigest?.slice(0, 16)} -> ${obs.digest.slice(0, 16)}); create a new Experiment instead`,
    };
    c.Accepted = { status: 'False', reason: why.reason, message: why.message };
    c.InvalidSpec = { status: 'True', reason: why.reason, message: why.message };
    c.Running.reason = 'InvalidSpec';
    const status: ExperimentStatus = {
      ...(prev ?? {}),
      observedGeneration: obs.generation,
      phase: 'Invalid',
      conditions: conditionsFrom(c, prev?.conditions, nowText, obs.generation),
    };
    if (!specChanged) status.specDigest = obs.digest;
    return { status, actions: [], events: transitionEvents(prev, status), requeue: false };
  }

  if (prev !== undefined && staysFinished(prev, obs.digest)) {
    const status: ExperimentStatus = { ...prev, observedGeneration: obs.generation };
    if (prev.conditions !== undefined) status.conditions = prev.conditions.map((x) => ({ ...x, observedGeneration: obs.generation }));
    return { status, actions: [], events: [], requeue: false };
  }

  // The runs are over and their manifest written: only the finishing step is left to decide; phase and counts stay.
  if (prev !== undefined && runsOver(prev, obs.digest) && obs.manifest !== undefined) {
    for (const x of prev.conditions ?? []) c[x.type] = { status: x.status, reason: x.reason, message: x.message };
    const step = finishingStep(obs.results);
    c.ResultsReady = step.condition;
    const status: ExperimentStatus = { ...prev, observedGeneration: obs.generation, conditions: conditionsFrom(c, prev.conditions, nowText, obs.generation), ...step.built };
    return { status, actions: step.actions, events: transitionEvents(prev, status), requeue: step.requeue };
  }

  const job = obs.job;
  let jobGeneration = generationRecorded ?? 0;
  if (job === undefined) {
    // Absent before it was ever recorded: create it (an existing one is found by name).
    // Absent after it was recorded: it was deleted before finishing, so a new generation resumes.
    // The spec ConfigMap first: pods of the Job mount it.
    if (generationRecorded !== undefined) jobGeneration = generationRecorded + 1;
    actions.push({ kind: 'ensureConfigMap' }, { kind: 'createJob', generation: jobGeneration });
  }

  let succeeded: Intervals;
  let succeededText: string;
  let succeededCount: number;
  if (obs.store.ok) {
    succeeded = clip(obs.store.succeeded, obs.total);
    succeededCount = count(succeeded);
    succeededText = formatIntervals(succeeded, MAX_INTERVALS_LENGTH);
  } else {
    // Keep what was known; nothing is decided from a store that cannot be read.
    succeeded = [];
    succeededCount = prev?.runs?.succeeded ?? 0;
    succeededText = prev?.succeededIndexes ?? '';
    c.StorageUnavailable = { status: 'True', reason: 'StoreError', message: obs.store.message };
    requeue = true;
  }

  let failed: Intervals = [];
  if (job !== undefined) {
    try {
      failed = normalise(clip(parseIntervals(job.failedIndexes), obs.total));
    } catch {
      failed = [];
    }
    if (obs.store.ok) failed = difference(failed, succeeded);
  }
  let failedCount = count(failed);
  // Failed runs are those of failed indexes without outputs: without the store, the last count (a run of a failed block may have succeeded).
  const failedRuns = obs.store.ok ? failedCount : (prev?.runs?.failed ?? 0);
  const running = job === undefined || job.suspended ? 0 : Math.max(0, Math.min(job.active, obs.total - succeededCount - failedCount));
  const pending = Math.max(0, obs.total - succeededCount - failedCount - running);

  const conflicts = obs.failures.filter((f) => f.code === 'OUTPUT_CONFLICT');
  if (conflicts.length > 0) {
    c.OutputConflict = {
      status: 'True',
      reason: 'FinalKeyHoldsDifferentBytes',
      message: `final output keys already hold different bytes (never overwritten): ${conflicts
        .slice(0, 3)
        .map((f) => `run ${f.index}: ${f.message}`)
        .join('; ')}`,
    };
  }

  let phase: Phase;
  const allDone = obs.store.ok && succeededCount === obs.total;
  if (allDone) {
    if (obs.manifest === undefined) {
      actions.push({ kind: 'writeManifest' });
      phase = 'Running';
      c.Running = { status: 'True', reason: 'WritingManifest', message: 'every run succeeded; writing the manifest' };
      requeue = true;
    } else if ((obs.manifest.altered?.length ?? 0) > 0) {
      const altered = obs.manifest.altered ?? [];
      phase = 'Failed';
      c.Running = { status: 'False', reason: 'Finished', message: '' };
      c.Failed = { status: 'True', reason: 'StoredRunsAltered', message: `${describeFailures(altered, altered.length)}; manifest ${obs.manifest.uri}` };
      succeededCount -= altered.length;
      failedCount += altered.length;
    } else {
      phase = 'Complete';
      c.Running = { status: 'False', reason: 'Finished', message: '' };
      c.Complete = { status: 'True', reason: 'AllRunsSucceeded', message: `${obs.total} runs succeeded; manifest ${obs.manifest.uri}` };
    }
  } else if (obs.store.ok && job?.finished !== undefined) {
    const missing = obs.total - succeededCount - failedCount;
    const reason = job.finished.type === 'Failed' ? job.finished.reason || 'JobFailed' : 'OutputsMissing';
    const message =
      job.finished.type === 'Failed'
        ? `${describeFailures(obs.failures, failedCount) || `${failedCount} runs failed`}${missing > 0 ? `; ${missing} not run` : ''} (Job ${job.name}: ${job.finished.reason}${job.finished.message ? `: ${job.finished.message}` : ''})`
        : `Job ${job.name} completed but ${obs.total - succeededCount} runs have no run.json in the store`;
    if (obs.manifest === undefined) {
      // The manifest of the runs that did succeed is still written, last.
      // The Job stops starting indexes once maxFailedIndexes is exceeded: those runs were never tried.
      actions.push(job.finished.reason === MAX_FAILED_INDEXES_EXCEEDED && missing > 0 ? { kind: 'writeManifest', notRun: budgetSpent } : { kind: 'writeManifest' });
      phase = 'Running';
      c.Running = { status: 'True', reason: 'WritingManifest', message: 'the Job finished with failures; writing the manifest of the succeeded runs' };
      requeue = true;
    } else {
      phase = 'Failed';
      c.Running = { status: 'False', reason: 'Finished', message: '' };
      c.Failed = { status: 'True', reason, message };
    }
  } else if (job !== undefined && obs.maxFailedRuns !== undefined && failedRuns > obs.maxFailedRuns) {
    // The budget is in runs: a Job counts failed indexes, and an index holds a block of runs; nor can a Job see its sibling parts' failures.
    // So the operator stops every part (suspend ends their pods), waits until no pod runs (no run is promoted after the manifest), then writes it.
    // Under Kueue the Workloads are deactivated instead (Kueue then suspends the Jobs), and stay so: a Workload still active could be admitted after the manifest.
    const spent = `${failedRuns} runs failed, more than spec.execution.maxFailedRuns (${obs.maxFailedRuns}) allows`;
    if (!job.suspended || job.active > 0 || (obs.queue !== undefined && !obs.queue.allInactive)) {
      if (obs.queue !== undefined) {
        if (!obs.queue.allInactive) actions.push({ kind: 'setWorkloadsActive', active: false });
      } else if (!job.suspended) actions.push({ kind: 'setJobSuspend', name: job.name, suspend: true });
      phase = 'Running';
      c.Running = { status: 'True', reason: 'StoppingRuns', message: `${spent}: stopping the Jobs` };
      requeue = true;
    } else if (obs.manifest === undefined) {
      // writeManifest needs the store; while it cannot be read this waits, the Jobs still suspended.
      if (obs.store.ok) actions.push({ kind: 'writeManifest', notRun: budgetSpent });
      phase = 'Running';
      c.Running = { status: 'True', reason: 'WritingManifest', message: `${spent}; writing the manifest of the succeeded runs` };
      requeue = true;
    } else {
      phase = 'Failed';
      c.Running = { status: 'False', reason: 'Finished', message: '' };
      const notRun = obs.total - succeededCount - failedCount;
      c.Failed = { status: 'True', reason: MAX_FAILED_RUNS_EXCEEDED, message: `${describeFailures(obs.failures, failedCount) || spent}${notRun > 0 ? `; ${notRun} not run` : ''} (${spent})` };
    }
  } else if (obs.suspend) {
    phase = 'Suspended';
    c.Suspended = { status: 'True', reason: 'SuspendedBySpec', message: 'spec.execution.suspend is true: no runs start until it is false' };
    c.Running = { status: 'False', reason: 'Suspended', message: '' };
    if (obs.queue !== undefined) {
      // Kueue's way to pause a Workload: spec.active false (it evicts, suspends the Job, and releases the quota).
      c.Queued = { status: 'False', reason: 'Suspended', message: '' };
      if (job !== undefined && !obs.queue.allInactive) {
        actions.push({ kind: 'setWorkloadsActive', active: false });
        requeue = true;
      }
    } else if (job !== undefined && !job.suspended) actions.push({ kind: 'setJobSuspend', name: job.name, suspend: true });
  } else {
    const queue = obs.queue;
    if (queue !== undefined) {
      // Kueue unsuspends the Jobs when it admits them: the operator only reactivates what a suspend deactivated.
      if (job !== undefined && !queue.allActive) actions.push({ kind: 'setWorkloadsActive', active: true });
    } else if (job !== undefined && (job.suspended || job.someSuspended === true)) actions.push({ kind: 'setJobSuspend', name: job.name, suspend: false });
    const waiting = queue !== undefined && job !== undefined && !queue.admitted ? queue.waiting : undefined;
    if (waiting !== undefined) c.Queued = { status: 'True', reason: waiting.reason, message: waiting.message };
    phase = job === undefined && generationRecorded === undefined ? 'Pending' : waiting !== undefined && job?.suspended === true ? 'Queued' : 'Running';
    c.Running =
      phase === 'Pending'
        ? { status: 'False', reason: 'CreatingJobs', message: 'creating the Job' }
        : phase === 'Queued'
          ? { status: 'False', reason: 'Queued', message: `waiting for Kueue to admit the Jobs (LocalQueue ${queue?.queueName ?? ''})` }
          : { status: 'True', reason: 'RunsInProgress', message: `${succeededCount}/${obs.total} runs succeeded, ${running} running, ${failedCount} failed` };
    if (failedCount > 0) c.Failed = { status: 'False', reason: 'RunsFailing', message: describeFailures(obs.failures, failedCount) };
    requeue = true;
  }

  // Kueue sizes a Workload's quota from the Job's parallelism and sets it itself under partial admission.
  if ((phase === 'Running' || phase === 'Suspended') && obs.queue === undefined) actions.push(...parallelismActions(obs.parallelism));
  let built: Pick<ExperimentStatus, 'tablesURI' | 'reportURI'> | undefined;
  if (obs.manifest !== undefined && TERMINAL.includes(phase)) {
    const step = finishingStep(obs.results);
    c.ResultsReady = step.condition;
    actions.push(...step.actions);
    requeue ||= step.requeue;
    built = step.built;
  }

  const status: ExperimentStatus = {
    observedGeneration: obs.generation,
    phase,
    specDigest: obs.digest,
    progress: `${succeededCount}/${obs.total}`,
    runs: { total: obs.total, pending, running, succeeded: succeededCount, failed: failedCount },
    succeededIndexes: succeededText,
    failedIndexes: formatIntervals(failed, MAX_INTERVALS_LENGTH),
    conditions: conditionsFrom(c, prev?.conditions, nowText, obs.generation),
    jobGeneration,
    startTime: prev?.startTime ?? nowText,
    resultsURI: obs.resultsURI,
  };
  return { ...concludeStatus(status, { prev, nowText, manifest: obs.manifest, built }), actions, requeue };
}

/**
 * A pass's status made whole: its completion time once finished, the
 * manifest once written, the finishing step's URIs; and the Events of what
 * changed since `prev`.
 */
export function concludeStatus(
  status: ExperimentStatus,
  d: { prev: ExperimentStatus | undefined; nowText: string; manifest: ManifestWritten | undefined; built: Pick<ExperimentStatus, 'tablesURI' | 'reportURI'> | undefined },
): { status: ExperimentStatus; events: KubeEvent[] } {
  const out: ExperimentStatus = { ...status };
  if (out.phase === 'Complete' || out.phase === 'Failed') out.completionTime = d.prev?.completionTime ?? d.nowText;
  if (d.manifest !== undefined) {
    out.manifestURI = d.manifest.uri;
    out.manifestDigest = d.manifest.digest;
  }
  return { status: { ...out, ...d.built }, events: transitionEvents(d.prev, out) };
}

/**
 * spec.execution.parallelism may change while the sweep runs (it is not part
 * of the spec digest): unfinished Jobs follow it.
 */
function parallelismActions(parts: readonly PartParallelism[]): Action[] {
  return parts.filter((p) => !p.finished && p.current !== p.wanted).map((p) => ({ kind: 'setJobParallelism', name: p.name, parallelism: p.wanted }));
}

/** Events for the transitions people care about, from the old and new status alone. */
export function transitionEvents(prev: ExperimentStatus | undefined, next: ExperimentStatus): KubeEvent[] {
  const events: KubeEvent[] = [];
  const was = (t: ConditionType) => conditionStatus(prev?.conditions, t);
  const is = (t: ConditionType) => conditionStatus(next.conditions, t);
  const msg = (t: ConditionType) => next.conditions?.find((x) => x.type === t)?.message ?? '';
  const became = (t: ConditionType, s: 'True' | 'False') => is(t) === s && was(t) !== s;

  if (became('InvalidSpec', 'True')) events.push({ type: 'Warning', reason: 'InvalidSpec', message: msg('InvalidSpec') });
  if (prev?.phase === undefined && next.phase !== 'Invalid') events.push({ type: 'Normal', reason: 'Accepted', message: `${next.runs?.total ?? 0} runs planned, spec digest ${next.specDigest?.slice(0, 16) ?? ''}` });
  if (became('Queued', 'True')) events.push({ type: 'Normal', reason: 'Queued', message: msg('Queued') });
  if (became('Suspended', 'True')) events.push({ type: 'Normal', reason: 'Suspended', message: msg('Suspended') });
  if (is('Suspended') === 'False' && was('Suspended') === 'True') events.push({ type: 'Normal', reason: 'Resumed', message: 'runs continue' });
  if (became('StorageUnavailable', 'True')) events.push({ type: 'Warning', reason: 'StorageUnavailable', message: msg('StorageUnavailable') });
  if (is('StorageUnavailable') === 'False' && was('StorageUnavailable') === 'True') events.push({ type: 'Normal', reason: 'StorageAvailable', message: 'the store is reachable again' });
  if (became('OutputConflict', 'True')) events.push({ type: 'Warning', reason: 'OutputConflict', message: msg('OutputConflict') });
  if (became('Complete', 'True')) events.push({ type: 'Normal', reason: 'Complete', message: msg('Complete') });
  if (became('Failed', 'True')) events.push({ type: 'Warning', reason: 'Failed', message: msg('Failed') });
  return events;
}
