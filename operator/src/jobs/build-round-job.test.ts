import { describe, expect, it } from 'vitest';
import { parseExperiment, specDigest } from 'swarmlab';
import type { JobConfig, ExperimentRef } from './build-job.ts';
import { buildRoundJob } from './build-round-job.ts';
import { jobGenerationOf, MAX_JOB_NAME, roundJobName } from './names.ts';

const config: JobConfig = {
  runnerImage: 'ghcr.io/swarmlab/runner:0.1.0',
  runnerPullPolicy: 'IfNotPresent',
  runnerEnv: {},
  runnerEnvSecret: undefined,
  runnerServiceAccount: undefined,
  defaultParallelism: 10,
  runnerNodeSelector: undefined,
  runnerTolerations: undefined,
};
const owner: ExperimentRef = { name: 'mm1-search', namespace: 'lab', uid: '0b0e6a52-1111-2222-3333-444455556666' };
const exp = parseExperiment({
  apiVersion: 'swarmlab.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'mm1-search' },
  spec: {
    scenario: { modules: [{ kind: 'agent', module: 'test-function', name: 'f' }], horizon: { time: 1 } },
    sweep: { breakingPoint: { parameter: 'f.x1', range: { min: 0, max: 1 }, criterion: { metric: 'metric.f.y', op: '>=', value: 0.5 }, tolerance: 0.01 } },
    output: { store: 's3://results/lab' },
  },
});
const digest = specDigest(exp);

describe('a round\'s Job', () => {
  it('is named by the round, never read as a generation, and fits a pod hostname', () => {
    const name = roundJobName(owner.name, digest, 12);
    expect(name).toBe(`mm1-search-${digest.slice(0, 8)}-r12`);
    expect(jobGenerationOf(name, digest)).toBeUndefined();
    expect(roundJobName('x'.repeat(80), digest, 999).length).toBeLessThanOrEqual(MAX_JOB_NAME);
  });

  it('runs position i of the round\'s run list at completion index i, with the run Jobs\' pod', () => {
    const job = buildRoundJob({ owner, experiment: exp, digest, round: 3, runs: 8, config });
    expect(job.metadata?.name).toBe(roundJobName(owner.name, digest, 3));
    expect(job.metadata?.labels?.['swarmlab.io/round']).toBe('3');
    expect(job.spec?.completions).toBe(8);
    expect(job.spec?.completionMode).toBe('Indexed');
    const args = job.spec?.template.spec?.containers[0]?.args ?? [];
    expect(args.slice(0, 7)).toEqual(['run-index', '--spec', '/etc/swarmlab/experiment.yaml', '--round', '3', '--index', '$(JOB_COMPLETION_INDEX)']);
    expect(job.spec?.template.metadata?.labels?.['swarmlab.io/round']).toBe('3');
    expect(job.metadata?.ownerReferences?.[0]?.uid).toBe(owner.uid);
  });

  it('with spec.execution.queueName is a Job Kueue manages: created suspended, with the queue-name label on the Job only', () => {
    const queued = parseExperiment({ ...exp, spec: { ...exp.spec, execution: { ...exp.spec.execution, queueName: 'team-a' } } });
    const job = buildRoundJob({ owner, experiment: queued, digest: specDigest(queued), round: 1, runs: 8, config });
    expect(job.spec?.suspend).toBe(true);
    expect(job.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBe('team-a');
    expect(job.metadata?.labels?.['swarmlab.io/round']).toBe('1');
    expect(job.spec?.template.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBeUndefined();
    expect(buildRoundJob({ owner, experiment: exp, digest, round: 1, runs: 8, config }).spec?.suspend).toBe(false);
  });
});
