// Every error swarmlab reports is defined here, with a stable code that
// programs can match and an exit status the CLI uses.

export const ErrorCodes = {
  /** The file could not be read or parsed (YAML/JSON syntax). */
  BAD_FILE: { exit: 2, summary: 'the file could not be read or parsed' },
  /** The document parsed but a field is missing, mistyped or out of range. */
  INVALID_SPEC: { exit: 2, summary: 'the experiment spec is invalid' },
  /** A module named in the spec is not in the registry. */
  UNKNOWN_MODULE: { exit: 2, summary: 'a module is not known to this runner' },
  /** A module's config does not match its schema, or its version range is unmet. */
  INVALID_MODULE_CONFIG: { exit: 2, summary: 'a module configuration is invalid' },
  /** The sweep expands to more runs than the cap allows. */
  SWEEP_TOO_LARGE: { exit: 2, summary: 'the sweep has more runs than allowed' },
  /** The store URI is malformed, unreachable or not writable. */
  STORE_UNAVAILABLE: { exit: 2, summary: 'the output store cannot be used' },
  /** A final key already holds different bytes. Never overwritten. */
  OUTPUT_CONFLICT: { exit: 1, summary: 'a final output key already holds different bytes' },
  /** An output file failed its schema or hash check. */
  INVALID_OUTPUT: { exit: 3, summary: 'an output file failed validation' },
  /** A run threw while simulating. */
  RUN_FAILED: { exit: 1, summary: 'a run failed' },
  /** Output written by a newer schema than this runner knows, or no migration path. */
  UNSUPPORTED_SCHEMA_VERSION: { exit: 2, summary: 'the output schema version is not supported' },
  /** The command line is wrong. */
  USAGE: { exit: 2, summary: 'the command line is invalid' },
  /** Stopped by a signal (Ctrl-C) before every run finished; finished runs are kept, no manifest is written. */
  INTERRUPTED: { exit: 130, summary: 'the sweep was stopped before every run finished' },
} as const;

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
    const where = [this.file, this.path].filter(Boolean).join(': ');
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${this.code}: ${where ? `${where}: ` : ''}${this.message}${hint}`;
  }

  toJSON(): Record<string, string> {
    const out: Record<string, string> = { code: this.code, message: this.message };
    if (this.path) out.path = this.path;
    if (this.file) out.file = this.file;
    if (this.hint) out.hint = this.hint;
    return out;
  }
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
