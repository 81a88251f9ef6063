import type { V1Job } from '@kubernetes/client-node';
import type { Experiment } from 'swarmlab';
import { buildJob, type ExperimentRef, type JobConfig } from './build-job.ts';
import { jobParts, MAX_INDEXED_COMPLETIONS, runsPerPodFor } from './layout.ts';
import { LABELS, roundJobName } from './names.ts';

export interface RoundJobInput {
  owner: ExperimentRef;
  experiment: Experiment;
  digest: string;
  round: number;
  /** Runs in the round (its run list's length). */
  runs: number;
  config: JobConfig;
}

/**
 * The Job of one round of an adaptive sweep: an Indexed Job like any run
 * Job (the same pod, failure policy and limits), whose completion index i
 * runs block i of positions of the round's run list (`run-index --round`,
 * which reads rounds/<round>.json from the store), named by the round so
 * that a restarted operator finds it again.
 */
export function buildRoundJob(input: RoundJobInput): V1Job {
  // Blocks of positions, as any run Job has blocks of runs (layout.ts): one Job holds the round.
  const [part] = jobParts(input.runs, MAX_INDEXED_COMPLETIONS, runsPerPodFor(input.experiment, input.runs, input.config.defaultParallelism));
  const job = buildJob({ owner: input.owner, experiment: input.experiment, digest: input.digest, total: input.runs, generation: 0, config: input.config, ...(part !== undefined ? { part } : {}) });
  const name = roundJobName(input.owner.name, input.digest, input.round);
  const round = { [LABELS.round]: String(input.round) };
  const spec = job.spec!;
  const pod = spec.template.spec!;
  const container = pod.containers[0]!;
  const at = (container.args ?? []).indexOf('--index');
  const args = [...(container.args ?? [])];
  args.splice(at, 0, '--round', String(input.round));
  return {
    ...job,
    metadata: { ...job.metadata, name, labels: { ...job.metadata?.labels, ...round } },
    spec: {
      ...spec,
      template: { ...spec.template, metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, ...round } }, spec: { ...pod, containers: [{ ...container, args }, ...pod.containers.slice(1)] } },
    },
  };
}
