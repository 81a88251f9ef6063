import { z } from 'zod';
import { SwarmlabError } from '../errors.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import type { Round } from './plan-rounds.ts';

// rounds/<r>.json: the runs of one round of an adaptive sweep on a cluster,
// written by the operator (from planRounds) before the round's Job, read by
// its pods (run-index --round r): a pod needs only its own position in the
// list, never the results of the rounds before. Write-once: the same spec and
// results give the same bytes, so an operator restarted at any point writes
// the same file again, or finds it written.

export const RoundFile = z
  .object({
    round: z.number().int().min(0),
    runs: z.number().int().min(1).describe('How many runs the round has.'),
    ranges: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])).min(1).describe('Its run indices as ascending [first, last] ranges.'),
  })
  .strict()
  .describe('rounds/<round>.json: the run indices of one round of an adaptive sweep, for the Job that runs it.');
export type RoundFile = z.infer<typeof RoundFile>;

/** The round's indices as ascending ranges. */
export function roundFileOf(round: Round): RoundFile {
  const ranges: [number, number][] = [];
  for (const i of round.indices) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === i - 1) last[1] = i;
    else ranges.push([i, i]);
  }
  return { round: round.round, runs: round.indices.length, ranges };
}

export function formatRoundFile(f: RoundFile): string {
  return `${JSON.stringify(RoundFile.parse(f))}\n`;
}

/** The run index at position `position` of the round (0-based), or undefined past its end. */
export function roundRunAt(f: RoundFile, position: number): number | undefined {
  let skipped = 0;
  for (const [first, last] of f.ranges) {
    const size = last - first + 1;
    if (position < skipped + size) return first + (position - skipped);
    skipped += size;
  }
  return undefined;
}

/** Writes the round's file (write-once: the same bytes again are a no-op). */
export async function storeRoundFile(store: ObjectStore, layout: ResultsLayout, round: Round): Promise<void> {
  await store.putIfAbsent(layout.round(round.round), formatRoundFile(roundFileOf(round)));
}

/** Reads a round's file, checked against its schema; a missing or malformed one is an error naming it. */
export async function readRoundFile(store: ObjectStore, layout: ResultsLayout, round: number): Promise<RoundFile> {
  const key = layout.round(round);
  const bytes = await store.get(key);
  if (bytes === undefined) throw new SwarmlabError('BAD_FILE', `round ${round} has no run list: the operator writes it before the round's Job`, { file: store.uriFor(key) });
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SwarmlabError('BAD_FILE', `not JSON: ${(e as Error).message}`, { file: store.uriFor(key) });
  }
  const parsed = RoundFile.safeParse(doc);
  if (!parsed.success || parsed.data.round !== round) throw new SwarmlabError('BAD_FILE', `not round ${round}'s run list: ${parsed.success ? `it is round ${parsed.data.round}'s` : (parsed.error.issues[0]?.message ?? '')}`, { file: store.uriFor(key) });
  return parsed.data;
}
