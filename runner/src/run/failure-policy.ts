import { ErrorCodes, type ErrorCode } from '../errors.ts';

// The failure policy by exit status, derived from the error table: what a
// Kubernetes Job (which sees only a container's exit status) needs to treat a
// runner exit as the local executor treats the error's code.

export interface ExitStatusPolicy {
  /** Exit statuses of codes that are not retried (sorted). */
  readonly fail: readonly number[];
  /** Exit statuses of codes that are retried (sorted). */
  readonly retry: readonly number[];
}

/** Throws when two codes with one exit status disagree on `retryable`: a pod-level policy could not tell them apart. */
export function exitStatusPolicy(table: Readonly<Record<string, { readonly exit: number; readonly retryable: boolean }>> = ErrorCodes): ExitStatusPolicy {
  const byExit = new Map<number, { retryable: boolean; code: string }>();
  for (const [code, spec] of Object.entries(table)) {
    const seen = byExit.get(spec.exit);
    if (seen !== undefined && seen.retryable !== spec.retryable) {
      throw new Error(`exit status ${spec.exit} is shared by ${seen.code} (retryable: ${seen.retryable}) and ${code} (retryable: ${spec.retryable}); give one of them its own exit status`);
    }
    byExit.set(spec.exit, { retryable: spec.retryable, code });
  }
  const pick = (retryable: boolean): number[] =>
    [...byExit.entries()]
      .filter(([, v]) => v.retryable === retryable)
      .map(([exit]) => exit)
      .sort((a, b) => a - b);
  return { fail: pick(false), retry: pick(true) };
}

/** The code a bare exit status stands for, when exactly one code has it (a pod that left no failure record). */
export function codeForExitStatus(exit: number): ErrorCode | undefined {
  const codes = (Object.keys(ErrorCodes) as ErrorCode[]).filter((c) => ErrorCodes[c].exit === exit);
  return codes.length === 1 ? codes[0] : undefined;
}
