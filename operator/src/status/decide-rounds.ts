import type { ExperimentStatus, Phase } from '../api/status.ts';
import { MAX_INTERVALS_LENGTH } from '../api/status.ts';
import { conditionsFrom, initialConditions } from './conditions.ts';
import { concludeStatus, finishingStep, isoSeconds, type Action, type Decision, type ManifestWritten, type ResultsObservation, type RunFailureCause } from './decide.ts';
import { count, formatIntervals, type Intervals } from './intervals.ts';
import type { QueueObservation } from '../kueue/workloads.ts';

/** The condition reason when the operator stopped the round because more runs failed than spec.execution.maxFailedRuns allows. */
const MAX_FAILED_RUNS_EXCEEDED = 'MaxFailedRunsExceeded';

// decide() for an adaptive sweep (spec.sweep.replication, breakingPoint):
// its runs come in rounds, each decided by the runner's planRounds from the
// results of the rounds before, each run by its own Job. The shell replays
// the rounds from what the store and the round's Job show (a round's runs
// are settled once its Job has finished) and passes the replay's outcome in;
// this says what to do next. Pure, like decide().

/** Where the replayed rounds stand. */
export interface RoundsState {
  /** The current round (the last one decided). */
  round: number;
  /** Runs of every round decided so far. */
  planned: number;
  /** Points still getting runs in the current round (0 once ended). */
  openPoints: number;
  /** No round follows the last one. */
  ended: boolean;
}

export interface RoundJobObservation {
  name: string;
  suspended: boolean;
  /** Runs held by running pods. */
  active: number;
  finished: { type: 'Complete' | 'Failed'; reason: string; message: string } | undefined;
}

export interface RoundsObservation {
  generation: number;
  now: Date;
  previous: ExperimentStatus | undefined;
  digest: string;
  resultsURI: string;
  suspend: boolean;
  maxFailedRuns?: number;
  rounds: RoundsState;
  /** The current round's Job; undefined when it does not exist (yet, or any more). */
  job: RoundJobObservation | undefined;
  /** The store could be read: which planned runs have succeeded (global run indexes), and how many planned runs failed for good. */
  store: { ok: true; succeeded: Intervals; failed: number } | { ok: false; message: string };
  /** Set once the manifest has been written. */
  manifest: ManifestWritten | undefined;
  results: ResultsObservation | undefined;
  /**
   * Set when Kueue admits the rounds' Jobs (spec.execution.queueName), from
   * the Workload of the current round's Job: as for any Kueue-managed Job,
   * its suspend and parallelism are Kueue's, and pausing and stopping go
   * through the Workload's spec.active.
   */
  queue?: QueueObservation;
}

/** A round's start: its run list into the store, then its Job (deterministic name). */
export type RoundsAction = Action | { kind: 'startRound'; round: number };

export interface RoundsDecision extends Omit<Decision, 'actions'> {
  actions: RoundsAction[];
}

const budgetSpent: RunFailureCause = {
  code: 'NOT_STARTED',
  message: 'not started: more runs failed than spec.execution.maxFailedRuns allows, so the round\'s Job was stopped and no further round planned; delete and apply the Experiment again to run it (finished runs are kept)',
  path: 'spec.execution.maxFailedRuns',
};

export function decideRounds(obs: RoundsObservation): RoundsDecision {
  const { previous: prev, rounds } = obs;
  const nowText = isoSeconds(obs.now);
  const actions: RoundsAction[] = [];
  let requeue = true;
  const queue = obs.queue;
  const c = initialConditions(queue !== undefined);

  const job = obs.job;
  let succeeded = prev?.runs?.succeeded ?? 0;
  let failed = prev?.runs?.failed ?? 0;
  let succeededText = prev?.succeededIndexes ?? '';
  let phase: Phase;
  if (!obs.store.ok) {
    // Nothing is decided from a store that cannot be read: not even which round comes next.
    c.StorageUnavailable = { status: 'True', reason: 'StoreError', message: obs.store.message };
    phase = prev?.phase === 'Pending' || prev?.phase === undefined ? 'Pending' : prev.phase === 'Suspended' || prev.phase === 'Queued' ? prev.phase : 'Running';
    c.Running = { status: 'True', reason: 'StoreUnavailable', message: 'waiting for the store to decide the next round' };
  } else {
    succeeded = count(obs.store.succeeded);
    failed = obs.store.failed;
    succeededText = formatIntervals(obs.store.succeeded, MAX_INTERVALS_LENGTH);
    const where = `round ${rounds.round}`;
    if (obs.maxFailedRuns !== undefined && failed > obs.maxFailedRuns && !rounds.ended) {
      const spent = `${failed} runs failed, more than spec.execution.maxFailedRuns (${obs.maxFailedRuns}) allows`;
      // Under Kueue the Workload is deactivated instead (Kueue then suspends the Job), and stays so: an active one could be admitted after the manifest.
      if (job !== undefined && job.finished === undefined && (!job.suspended || job.active > 0 || (queue !== undefined && !queue.allInactive))) {
        if (queue !== undefined) {
          if (!queue.allInactive) actions.push({ kind: 'setWorkloadsActive', active: false });
        } else if (!job.suspended) actions.push({ kind: 'setJobSuspend', name: job.name, suspend: true });
        phase = 'Running';
        c.Running = { status: 'True', reason: 'StoppingRuns', message: `${spent}: stopping ${where}` };
      } else if (obs.manifest === undefined) {
        actions.push({ kind: 'writeManifest', notRun: budgetSpent });
        phase = 'Running';
        c.Running = { status: 'True', reason: 'WritingManifest', message: `${spent}; writing the manifest of the rounds so far` };
      } else {
        phase = 'Failed';
        c.Running = { status: 'False', reason: 'Finished', message: '' };
        c.Failed = { status: 'True', reason: MAX_FAILED_RUNS_EXCEEDED, message: `${spent} in ${where}; manifest ${obs.manifest.uri}` };
        requeue = false;
      }
    } else if (rounds.ended) {
      if (obs.manifest === undefined) {
        actions.push({ kind: 'writeManifest' });
        phase = 'Running';
        c.Running = { status: 'True', reason: 'WritingManifest', message: `the rounds ended after ${where}; writing the manifest` };
      } else {
        phase = failed === 0 ? 'Complete' : 'Failed';
        c.Running = { status: 'False', reason: 'Finished', message: '' };
        if (failed === 0) c.Complete = { status: 'True', reason: 'RoundsEnded', message: `${rounds.round + 1} rounds, ${succeeded} runs succeeded; manifest ${obs.manifest.uri}` };
        else c.Failed = { status: 'True', reason: 'RunsFailed', message: `${failed} of ${rounds.planned} runs failed over ${rounds.round + 1} rounds; manifest ${obs.manifest.uri}` };
        requeue = false;
      }
    } else if (job === undefined) {
      // The round's run list, then its Job: the spec ConfigMap first, which its pods mount.
      actions.push({ kind: 'ensureConfigMap' }, { kind: 'startRound', round: rounds.round });
      phase = prev?.phase === undefined || prev.phase === 'Pending' ? 'Pending' : 'Running';
      c.Running = { status: phase === 'Pending' ? 'False' : 'True', reason: 'StartingRound', message: `starting ${where}: ${rounds.openPoints} points open` };
    } else if (obs.suspend) {
      phase = 'Suspended';
      c.Suspended = { status: 'True', reason: 'SuspendedBySpec', message: 'spec.execution.suspend is true: no runs start until it is false' };
      c.Running = { status: 'False', reason: 'Suspended', message: '' };
      if (queue !== undefined) {
        // Kueue's way to pause a Workload: spec.active false (it evicts, suspends the Job, and releases the quota).
        c.Queued = { status: 'False', reason: 'Suspended', message: '' };
        if (!queue.allInactive) actions.push({ kind: 'setWorkloadsActive', active: false });
      } else if (!job.suspended) actions.push({ kind: 'setJobSuspend', name: job.name, suspend: true });
    } else {
      // Kueue unsuspends the round's Job when it admits it: the operator only reactivates what a suspend deactivated.
      if (queue !== undefined) {
        if (!queue.allActive) actions.push({ kind: 'setWorkloadsActive', active: true });
      } else if (job.suspended) actions.push({ kind: 'setJobSuspend', name: job.name, suspend: false });
      const waiting = queue !== undefined && !queue.admitted ? queue.waiting : undefined;
      if (waiting !== undefined) c.Queued = { status: 'True', reason: waiting.reason, message: waiting.message };
      phase = waiting !== undefined && job.suspended ? 'Queued' : 'Running';
      c.Running =
        phase === 'Queued'
          ? { status: 'False', reason: 'Queued', message: `waiting for Kueue to admit ${where}'s Job (LocalQueue ${queue?.queueName ?? ''})` }
          : { status: 'True', reason: 'RoundInProgress', message: `${where}: ${rounds.openPoints} points open; ${succeeded}/${rounds.planned} runs of the rounds so far succeeded, ${failed} failed` };
      if (failed > 0) c.Failed = { status: 'False', reason: 'RunsFailing', message: `${failed} runs failed (each counts as no value for the rounds)` };
    }
  }

  let built: Pick<ExperimentStatus, 'tablesURI' | 'reportURI'> | undefined;
  if (obs.manifest !== undefined && (phase === 'Complete' || phase === 'Failed')) {
    const step = finishingStep(obs.results);
    c.ResultsReady = step.condition;
    actions.push(...step.actions);
    requeue = step.requeue;
    built = step.built;
  }
  const running = job === undefined || job.suspended ? 0 : Math.min(job.active, Math.max(0, rounds.planned - succeeded - failed));
  const status: ExperimentStatus = {
    observedGeneration: obs.generation,
    phase,
    specDigest: obs.digest,
    progress: `${succeeded}/${rounds.planned}`,
    runs: { total: rounds.planned, pending: Math.max(0, rounds.planned - succeeded - failed - running), running, succeeded, failed },
    succeededIndexes: succeededText,
    rounds: { current: rounds.round, openPoints: rounds.ended ? 0 : rounds.openPoints, ended: rounds.ended },
    conditions: conditionsFrom(c, prev?.conditions, nowText, obs.generation),
    jobGeneration: prev?.jobGeneration ?? 0,
    startTime: prev?.startTime ?? nowText,
    resultsURI: obs.resultsURI,
  };
  return { ...concludeStatus(status, { prev, nowText, manifest: obs.manifest, built }), actions, requeue };
}
