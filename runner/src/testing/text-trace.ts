import type { Experiment } from '../spec/experiment.ts';

/** The experiment with its trace written as text (events.jsonl, metrics.csv), for tests that read the trace's lines. */
export function withTextTrace(exp: Experiment): Experiment {
  const copy = structuredClone(exp);
  copy.spec.output = { ...copy.spec.output, trace: { level: 'complete', ...copy.spec.output.trace, format: 'text' } };
  return copy;
}
