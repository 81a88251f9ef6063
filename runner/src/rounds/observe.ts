import type { ManifestRun, RunRecord } from '../outputs/schemas.ts';
import { orderedMap } from '../results/ordered-map.ts';
import { readRunSummary } from '../results/read-run.ts';
import { columnNumber } from '../results/run-row.ts';
import type { Experiment } from '../spec/experiment.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';

/** Summaries read at once. */
const READ_CONCURRENCY = 16;

/** The results-table column the rounds decide by. */
export function roundsColumn(exp: Experiment): string | undefined {
  return exp.spec.sweep.replication?.metric ?? exp.spec.sweep.breakingPoint?.criterion.metric;
}

/** A succeeded run's manifest entry from its record (what the results readers take). */
export function manifestRunOf(record: RunRecord): ManifestRun {
  return { run_id: record.run_id, index: record.index, seed: record.seed, params: record.params, status: 'succeeded', digest: record.digest, files: record.files, ...(record.code ? { code: record.code } : {}) };
}

/**
 * The value of `column` in each finished run's row of the results table:
 * read from its summary.json (checked against its record's sha256), the
 * same cell the table gets; null for a failed run.
 */
export async function observeRuns(store: ObjectStore, layout: ResultsLayout, column: string, runs: Iterable<ManifestRun>): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  const read = orderedMap([...runs], READ_CONCURRENCY, async (run) => ({ index: run.index, value: run.status === 'succeeded' ? columnNumber(await readRunSummary(store, layout, run), column) : null }));
  for await (const { index, value } of read) out.set(index, value);
  return out;
}
