// The runner's public face: the data path the operator, the CLI's commands
// and tools outside runner/src use. Everything else under runner/src is
// internal and may change without notice (eslint.config.js keeps the
// operator to this file).

// Errors and their codes (the failure policy is derived from this table).
export { ErrorCodes, SwarmlabError, isSwarmlabError, formatPath, type ErrorCode, type ErrorDetails } from './errors.ts';
export { RUNNER_VERSION } from './version.ts';

// The Experiment: its spec and status schemas, parsing, digest.
export {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  DEFAULT_MAX_RUNS,
  MAX_RUNS_PER_POD,
  Experiment,
  ExperimentSpec,
  ModuleKind,
  Toleration,
  type ParamValue,
  type Sweep,
} from './spec/experiment.ts';
export { Condition, ConditionType, ExperimentStatus, MAX_INTERVALS_LENGTH, Phase, RESULTS_JOB_FAILED, resultsSettled, RunCounts } from './spec/status.ts';
export { loadExperimentDocument, loadExperimentFile, parseExperiment, parseExperimentText, specDigest } from './spec/load.ts';
export { canonicalJson, sha256 } from './spec/canonical.ts';

// Checking a spec against the modules, and the run matrix.
export { builtinRegistry } from './modules/builtin-registry.ts';
export { ModuleRegistry, type ModuleSource, type RegisteredModule } from './modules/registry.ts';
export { loadRegistry } from './plugins/runner-registry.ts';
export { CONFIG_FILE, MODULES_ENV } from './plugins/runner-config.ts';
export { defineModule, type ModuleDefinition } from './sdk/module.ts';
export { validateExperiment } from './modules/check-sweep.ts';
export { isAdaptive, maxRunCount, plan, planRun, runCount, runIdOf, runIndexOf, sweepSeeds, type RunPoint } from './spec/plan.ts';

// Adaptive sweeps: the rounds, replayed from the runs' results (both executors plan them with this).
export { planRounds, plannedIndices, openPoints, type RoundsPlan, type Round } from './rounds/plan-rounds.ts';
export { observeRuns, manifestRunOf, roundsColumn } from './rounds/observe.ts';
export { readRoundFile, roundRunAt, storeRoundFile, type RoundFile } from './rounds/round-file.ts';

// Running, promoting, and the manifest.
export { checkRunInputs } from './run/run-inputs.ts';
export { runAndPromote, readRunRecord, readRunForManifest, type RunOutcome, type RunOptions, type StoredRun } from './run/promote.ts';
export { readFailureRecords } from './run/report-failure.ts';
export { codeForExitStatus, exitStatusPolicy } from './run/failure-policy.ts';
export { failureFromRecord, formatFailureRecord, parseFailureRecord, type RunFailure } from './outputs/failure-record.ts';
export { runLocal, type LocalRunOptions, type LocalRunResult, type Progress } from './run/local-executor.ts';
export { blockOf, type Block } from './run/run-block.ts';
export { assembleManifest, formatManifest, type StoredHash } from './outputs/manifest.ts';
export type { Manifest, ResultsIndex, RunRecord } from './outputs/schemas.ts';
export { validateResults } from './outputs/validate-experiment.ts';
export { findResultSets } from './outputs/find-results.ts';

// The answer: tables built from a manifest, and the one statistics function.
export { finishResults, type FinishedResults } from './results/finish.ts';
export { readResultsIndex } from './results/read-index.ts';
export { readBuiltFile, type BuiltFileRead } from './results/read-built-file.ts';
export { REPORT_CSP } from './report/html.ts';
export { describeSample, RunningStatistics, CONFIDENCE, type SampleStatistics } from './results/statistics.ts';

// Stores and where results live in them.
export { openStore, FileStore, S3Store, type ObjectStore, type S3Location } from './store/index.ts';
export { BUILT_FILES, ExperimentLayout, REPORT_FILE, ResultsLayout, RUN_RECORD_FILE, TABLE_FILES, type BuiltFile, type TableFile } from './store/layout.ts';
