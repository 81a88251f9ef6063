import { SwarmlabError } from '../errors.ts';
import type { Manifest } from '../outputs/schemas.ts';
import { writeRunTrace } from '../results/run-trace.ts';
import type { Experiment } from '../spec/experiment.ts';
import { runCount, runIdOf, runIndexOf } from '../spec/plan.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';

/** The run `--trace` names (a run id such as run-000003, or its index), checked against the run matrix before anything runs. */
export function traceRunId(value: string, exp: Experiment): string {
  const total = runCount(exp.spec.sweep);
  const byIndex = /^\d+$/.test(value);
  const index = byIndex ? Number(value) : runIndexOf(value);
  if (index === undefined || index >= total || (!byIndex && value !== runIdOf(index, total))) {
    throw new SwarmlabError('USAGE', `--trace: ${JSON.stringify(value)} is not a run of this experiment; give a run id ${runIdOf(0, total)}..${runIdOf(total - 1, total)} or an index 0..${total - 1}`);
  }
  return runIdOf(index, total);
}

/** Prints a stored run's console trace to `out`, waiting for it to drain. */
export async function printRunTrace(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, runId: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const run = manifest.runs.find((r) => r.run_id === runId);
  if (run === undefined || run.status !== 'succeeded') {
    throw new SwarmlabError('RUN_FAILED', `${runId} did not succeed, so it has no trace${run?.error ? ` (${run.error.code}: ${run.error.message})` : ''}`);
  }
  await writeRunTrace(store, layout, run, (text) => new Promise<void>((done) => (out.write(text) ? done() : out.once('drain', () => done()))));
}
