/**
 * The V8 flag every process that executes runs is started with: a young
 * generation of 2 MiB semi-spaces instead of V8's default (up to 16 MiB on
 * 64-bit, and scaled up under allocation pressure). A run allocates short-lived
 * objects per event; with the default, garbage accumulates and V8 keeps the
 * pages it grew, so the peak resident set of a complete-trace run was about
 * 1.5x what a 2 MiB young generation needs, for about 10% of CPU (measured
 * in docs/benchmarks.md, issue 15 part 4). V8 sizes the young generation when
 * the heap is set up, so it must be a process flag: `v8.setFlagsFromString`
 * at run time changes nothing.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=2';

/** Whether Node was started with a young generation size (on its command line or in NODE_OPTIONS), which is then left as given. */
export function youngGenerationSet(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => /^--max[-_]semi[-_]space[-_]size\b/.test(a));
}
