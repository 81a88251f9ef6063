import { z } from 'zod';

// The Experiment status, as the operator writes it and the CLI reads it.
// Fixed size whatever the sweep size (DESIGN.md, "Bounded everything"):
// counts and index interval strings, never lists of runs or Jobs. The CRD's
// status schema is generated from this.

/** Longest interval string kept in status; longer sets are cut at a range boundary and marked. */
export const MAX_INTERVALS_LENGTH = 2048;

export const Phase = z
  .enum(['Pending', 'Queued', 'Running', 'Suspended', 'Complete', 'Failed', 'Invalid'])
  .describe('Pending: accepted, no work created yet. Queued: the Jobs wait for Kueue to admit them (spec.execution.queueName; the Queued condition says why). Running: Jobs exist and runs are in progress. Suspended: paused by spec.execution.suspend. Complete: every run succeeded and the manifest is written. Failed: some runs failed for good. Invalid: the spec cannot run (see the InvalidSpec condition).');
export type Phase = z.infer<typeof Phase>;

export const ConditionType = z.enum(['Accepted', 'InvalidSpec', 'Queued', 'Running', 'Suspended', 'Complete', 'Failed', 'OutputConflict', 'StorageUnavailable', 'ResultsReady']);
export type ConditionType = z.infer<typeof ConditionType>;

const timestamp = z.string().max(64).meta({ format: 'date-time' });

export const Condition = z
  .object({
    type: ConditionType.describe('Condition type.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Whether the condition holds.'),
    reason: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('Machine-readable CamelCase reason.'),
    message: z.string().max(1024).describe('What happened, for people.'),
    lastTransitionTime: timestamp.describe('When status last changed.'),
    observedGeneration: z.number().int().min(0).optional().describe('The spec generation the condition was computed from.'),
  })
  .describe('A standard Kubernetes condition.');
export type Condition = z.infer<typeof Condition>;

export const RunCounts = z
  .object({
    total: z.number().int().min(0).describe('Runs in the sweep.'),
    pending: z.number().int().min(0).describe('Runs not started or waiting to be retried.'),
    running: z.number().int().min(0).describe('Runs with a pod running now.'),
    succeeded: z.number().int().min(0).describe('Runs whose validated outputs are in the store.'),
    failed: z.number().int().min(0).describe('Runs that failed for good (retries used up or not retryable).'),
  })
  .describe('Run counts; pending + running + succeeded + failed = total.');
export type RunCounts = z.infer<typeof RunCounts>;

const intervals = z
  .string()
  .max(MAX_INTERVALS_LENGTH + 32)
  .describe('Run indexes as ascending intervals, e.g. `0-99,120`; very long sets end with `,...+N` (N more indexes).');

export const ExperimentStatus = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe('The spec generation this status describes.'),
    phase: Phase.optional(),
    specDigest: z.string().max(64).optional().describe('sha256 of the scenario and sweep; results live under its first 16 hex characters.'),
    progress: z.string().max(48).optional().describe('Succeeded/total runs, e.g. `40/100`.'),
    runs: RunCounts.optional(),
    succeededIndexes: intervals.optional(),
    failedIndexes: intervals.optional(),
    conditions: z.array(Condition).max(16).optional().describe('Accepted or InvalidSpec, Running, Suspended, Complete or Failed, OutputConflict, StorageUnavailable, ResultsReady (the results tables are written beside the manifest).'),
    jobGeneration: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe('Generation of the Job currently in charge of the runs (a new one only replaces a Job deleted before it finished).'),
    startTime: timestamp.optional().describe('When the first Job was created.'),
    completionTime: timestamp.optional().describe('When the experiment reached Complete or Failed.'),
    rounds: z
      .object({
        current: z.number().int().min(0).describe('The round being run (from 0), or the last one once the rounds have ended.'),
        openPoints: z.number().int().min(0).describe('Points still getting runs in it (replication: points short of the target; breakingPoint: searches not yet ended); 0 once the rounds have ended.'),
        ended: z.boolean().describe('No further round follows.'),
      })
      .optional()
      .describe('An adaptive sweep (spec.sweep.replication or breakingPoint): its rounds, each run by its own Job. runs counts the runs of the rounds so far.'),
    resultsURI: z.string().max(1200).optional().describe('Where the experiment\'s results are: <store>/<name>/<digest16>/.'),
    manifestURI: z.string().max(1300).optional().describe('The manifest, written last when every run is done.'),
    manifestDigest: z.string().max(64).optional().describe('sha256 over the succeeded runs\' `run_id:digest` lines in index order.'),
    tablesURI: z.string().max(1300).optional().describe('The results table (results.parquet, with results.csv and the per-point statistics beside it), once built from the manifest.'),
    reportURI: z.string().max(1300).optional().describe('The report (report.html: one self-contained page of figures and tables), once built from the manifest.'),
  })
  .describe('What the operator observed: phase, run counts and intervals, conditions and where the results are.');
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;

/** ResultsReady's reason once the Job building the tables and the report has failed for good. */
export const RESULTS_JOB_FAILED = 'ResultsJobFailed';

/** The finishing step has settled: the tables and the report are written, or the Job building them failed for good. */
export function resultsSettled(status: ExperimentStatus): boolean {
  const results = status.conditions?.find((c) => c.type === 'ResultsReady');
  return results?.status === 'True' || results?.reason === RESULTS_JOB_FAILED;
}
