// Every error swarmlab reports is defined here, with a stable code that
// programs can match, an exit status the CLI uses, and whether running the
// run again can help.
//
// `retryable` is the one failure policy of both executors. The local
// executor retries a failed run (up to spec.execution.retries) only when its
// code is retryable; the operator's Jobs get a podFailurePolicy derived from
// the exit statuses here (runner/src/run/failure-policy.ts): FailIndex for
// the exit status of a code that is not retryable, Count (retried up to
// backoffLimitPerIndex) for one that is. So codes that share an exit status
// must agree on `retryable` (a unit test checks it).
//
// Pod-level causes, which no runner code reports itself:
// - OUT_OF_MEMORY: the container was killed for exceeding its memory limit
//   (exit 137, reason OOMKilled). Runs are deterministic, so the same run
//   under the same limit is killed again: not retried. The fix is a larger
//   spec.execution.resources.limits.memory. (Any SIGKILL of the runner exits
//   137; the runner stops on SIGTERM, so on a cluster that is an OOM kill.)
// - Disruptions (the pod has condition DisruptionTarget: preemption, eviction,
//   node drain): ignored by the Job, the run is started again and no retry is
//   used. They are not the run's fault, so they are not in this table.
// - Anything else without a code (another exit status, a container that did
//   not start) counts as a retry and is reported as RUN_FAILED.

export interface ErrorSpec {
  readonly exit: number;
  /** Running the same run again may succeed (a transient cause). */
  readonly retryable: boolean;
  readonly summary: string;
}

export const ErrorCodes = {
  /** The file could not be read or parsed (YAML/JSON syntax). */
  BAD_FILE: { exit: 2, retryable: false, summary: 'the file could not be read or parsed' },
  /** The document parsed but a field is missing, mistyped or out of range. */
  INVALID_SPEC: { exit: 2, retryable: false, summary: 'the experiment spec is invalid' },
  /** A module named in the spec is not in the registry. */
  UNKNOWN_MODULE: { exit: 2, retryable: false, summary: 'a module is not known to this runner' },
  /** A module's config does not match its schema, or its version range is unmet. */
  INVALID_MODULE_CONFIG: { exit: 2, retryable: false, summary: 'a module configuration is invalid' },
  /** The runner configuration (swarmlab.config.yaml, package.json `swarmlab`, SWARMLAB_MODULES) is malformed. */
  INVALID_RUNNER_CONFIG: { exit: 2, retryable: false, summary: 'the runner configuration is invalid' },
  /** A module package named in the runner configuration could not be found or imported. */
  MODULE_LOAD_FAILED: { exit: 2, retryable: false, summary: 'a module package could not be loaded' },
  /** A loaded module breaks the module contract (kind, name, version, config schema), or its name clashes with another. */
  INVALID_MODULE: { exit: 2, retryable: false, summary: 'a module does not meet the module contract' },
  /** The sweep expands to more runs than the cap allows. */
  SWEEP_TOO_LARGE: { exit: 2, retryable: false, summary: 'the sweep has more runs than allowed' },
  /** The store URI is malformed, or the store cannot be reached or written when checked before any run. */
  STORE_UNAVAILABLE: { exit: 2, retryable: false, summary: 'the output store cannot be used' },
  /** A request to the store failed while a run read or wrote it (network, server error, throttling). */
  STORE_ERROR: { exit: 4, retryable: true, summary: 'a request to the output store failed' },
  /** A final key already holds different bytes. Never overwritten. */
  OUTPUT_CONFLICT: { exit: 5, retryable: false, summary: 'a final output key already holds different bytes' },
  /** An output file failed its schema or hash check. */
  INVALID_OUTPUT: { exit: 3, retryable: false, summary: 'an output file failed validation' },
  /** A run threw while simulating, or its process died. Retried: the cause may be the machine, not the run. */
  RUN_FAILED: { exit: 1, retryable: true, summary: 'a run failed' },
  /** The run was not started: more runs than spec.execution.maxFailedRuns had failed. Running the sweep again starts it. */
  NOT_STARTED: { exit: 1, retryable: true, summary: 'the run was not started: the failure budget was used up' },
  /** Pod-level: the run's container was killed for exceeding its memory limit (see above). */
  OUT_OF_MEMORY: { exit: 137, retryable: false, summary: 'the run was killed for exceeding its memory limit' },
  /** Output written by a newer schema than this runner knows, or no migration path. */
  UNSUPPORTED_SCHEMA_VERSION: { exit: 2, retryable: false, summary: 'the output schema version is not supported' },
  /** The command line is wrong. */
  USAGE: { exit: 2, retryable: false, summary: 'the command line is invalid' },
  /** Stopped by a signal (Ctrl-C) before every run finished; finished runs are kept, no manifest is written. */
  INTERRUPTED: { exit: 130, retryable: true, summary: 'the sweep was stopped before every run finished' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorDetails {
  /** Dotted path of the offending field, e.g. `spec.sweep.seeds.replicas`. */
  path?: string;
  /** The file or URI the problem is in. */
  file?: string;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

export class SwarmlabError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly file: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SwarmlabError';
    this.code = code;
    this.path = details.path;
    this.file = details.file;
    this.hint = details.hint;
  }

  get exitCode(): number {
    return ErrorCodes[this.code].exit;
  }

  /** One line a person can act on: where, what, and what to do. */
  describe(): string {
    return `${this.code}: ${this.detail()}`;
  }

  /** describe() without the code, for places that show the code apart. */
  detail(): string {
    const where = [this.file, this.path].filter(Boolean).join(': ');
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${where ? `${where}: ` : ''}${this.message}${hint}`;
  }

  toJSON(): Record<string, string> {
    const out: Record<string, string> = { code: this.code, message: this.message };
    if (this.path) out.path = this.path;
    if (this.file) out.file = this.file;
    if (this.hint) out.hint = this.hint;
    return out;
  }
}

/** Whether running a run again can help after it failed with this code (unknown codes: as RUN_FAILED). */
export function isRetryable(code: string): boolean {
  return code in ErrorCodes ? ErrorCodes[code as ErrorCode].retryable : ErrorCodes.RUN_FAILED.retryable;
}

/** What a module throws when a run cannot go on (an event it cannot handle): the run fails with RUN_FAILED. */
export function moduleFailure(message: string): SwarmlabError {
  return new SwarmlabError('RUN_FAILED', message);
}

export function isSwarmlabError(e: unknown): e is SwarmlabError {
  return e instanceof SwarmlabError;
}

/** Formats a zod issue path (`['spec', 'sweep', 0]`) as `spec.sweep[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
