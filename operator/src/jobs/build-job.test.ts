import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { blockOf, ErrorCodes, parseExperiment, parseExperimentText, specDigest } from 'swarmlab';
import { buildJob, buildResultsJob, buildSpecConfigMap, frozenSpecYaml, type JobConfig, type ExperimentRef } from './build-job.ts';
import { jobParts, runsPerPodOf } from './layout.ts';
import { jobGenerationOf, jobName, MAX_JOB_NAME, resultsJobName, specConfigMapName } from './names.ts';

const config: JobConfig = {
  runnerImage: 'ghcr.io/swarmlab/runner:0.1.0',
  runnerPullPolicy: 'IfNotPresent',
  runnerEnv: { SWARMLAB_S3_ENDPOINT: 'http://minio:9000', AWS_REGION: 'us-east-1' },
  runnerEnvSecret: 'store-creds',
  runnerServiceAccount: undefined,
  defaultParallelism: 10,
  runnerNodeSelector: undefined,
  runnerTolerations: undefined,
};
const owner: ExperimentRef = { name: 'queue-sweep', namespace: 'lab', uid: '0b0e6a52-1111-2222-3333-444455556666' };

function experiment(execution: Record<string, unknown> = {}) {
  return parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'queue-sweep' },
    spec: {
      scenario: { modules: [{ kind: 'network', module: 'complete' }], horizon: { time: 10 } },
      sweep: { seeds: { replicas: 4 }, grid: [{ param: 'complete.size', values: [1, 2, 3] }] },
      execution,
      output: { store: 's3://results/lab' },
    },
  });
}

function job(execution: Record<string, unknown> = {}, generation = 0) {
  const exp = experiment(execution);
  return buildJob({ owner, experiment: exp, digest: specDigest(exp), total: 12, generation, config });
}

describe('names', () => {
  const digest = 'abcdef0123456789'.repeat(4);
  it('are deterministic and parse back', () => {
    expect(jobName('queue-sweep', digest, 0)).toBe('queue-sweep-abcdef01-0');
    expect(jobGenerationOf('queue-sweep-abcdef01-7', digest)).toBe(7);
    expect(jobGenerationOf('other-12345678-7', digest)).toBeUndefined();
    expect(specConfigMapName('queue-sweep', digest)).toBe('queue-sweep-abcdef01-spec');
  });
  it('cut long experiment names so pod hostnames stay DNS labels', () => {
    const long = `${'a'.repeat(50)}-${'b'.repeat(12)}`;
    const name = jobName(long, digest, 12);
    expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME);
    expect(`${name}-9999999`.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(jobName(`${'a'.repeat(40)}-x`, digest, 0)).not.toMatch(/--/);
  });
});

describe('buildJob', () => {
  it('makes an Indexed Job over every run, owned by the Experiment and labelled for it', () => {
    const j = job();
    expect(j.metadata?.name).toMatch(/^queue-sweep-[0-9a-f]{8}-0$/);
    expect(j.metadata?.namespace).toBe('lab');
    expect(j.metadata?.ownerReferences).toEqual([
      { apiVersion: 'swarmlab.io/v1alpha1', kind: 'Experiment', name: 'queue-sweep', uid: owner.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(j.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'swarmlab',
      'swarmlab.io/experiment': 'queue-sweep',
      'swarmlab.io/experiment-uid': owner.uid,
      'swarmlab.io/job-generation': '0',
    });
    expect(j.spec?.template.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('swarmlab');
    expect(j.spec?.completionMode).toBe('Indexed');
    expect(j.spec?.completions).toBe(12);
    expect(j.spec?.parallelism).toBe(10);
    expect(j.spec?.backoffLimitPerIndex).toBe(0);
    expect(j.spec?.maxFailedIndexes).toBeUndefined();
    expect(j.spec?.suspend).toBe(false);
  });

  it('creates a Job Kueue manages suspended, for Kueue to unsuspend when it admits it', () => {
    const j = job({ queueName: 'team-a' });
    expect(j.spec?.suspend).toBe(true);
    expect(j.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBe('team-a');
    expect(j.spec?.template.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });

  it('maps execution hints onto the Job', () => {
    const j = job({
      parallelism: 50,
      retries: 3,
      maxFailedRuns: 40,
      suspend: true,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 600,
      resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      nodeSelector: { pool: 'batch' },
      tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }],
      queueName: 'team-a',
    });
    const s = j.spec!;
    expect(s.parallelism).toBe(12);
    expect(s.backoffLimitPerIndex).toBe(3);
    expect(s.maxFailedIndexes).toBe(12);
    expect(s.suspend).toBe(true);
    expect(s.activeDeadlineSeconds).toBe(3600);
    expect(s.ttlSecondsAfterFinished).toBe(600);
    expect(j.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBe('team-a');
    const pod = s.template.spec!;
    expect(pod.nodeSelector).toEqual({ pool: 'batch' });
    expect(pod.tolerations).toEqual([{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.containers[0]!.resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '256Mi' } });
  });

  it('adds the operator\'s runner node selector and tolerations under the Experiment\'s own', () => {
    const exp = experiment({ nodeSelector: { pool: 'gpu' }, tolerations: [{ key: 'gpu', operator: 'Exists' }, { key: 'spot', operator: 'Exists' }] });
    const j = buildJob({
      owner,
      experiment: exp,
      digest: specDigest(exp),
      total: 12,
      generation: 0,
      config: { ...config, runnerNodeSelector: { pool: 'runner', zone: 'a' }, runnerTolerations: [{ key: 'spot', operator: 'Exists' }] },
    });
    const pod = j.spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ pool: 'gpu', zone: 'a' });
    expect(pod.tolerations).toEqual([{ key: 'spot', operator: 'Exists' }, { key: 'gpu', operator: 'Exists' }]);
    expect(job().spec?.template.spec?.nodeSelector).toBeUndefined();
  });

  it('derives the pod failure policy from the error table: every code\'s exit status fails the index or is retried as the code says', () => {
    const rules = job().spec?.podFailurePolicy?.rules ?? [];
    expect(rules[0]).toEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    const actionFor = (exit: number): string | undefined =>
      rules.find((r) => r.onExitCodes?.containerName === 'runner' && r.onExitCodes.operator === 'In' && r.onExitCodes.values.includes(exit))?.action;
    for (const [code, spec] of Object.entries(ErrorCodes)) {
      expect(actionFor(spec.exit), code).toBe(code === 'INTERRUPTED' ? 'Ignore' : spec.retryable ? 'Count' : 'FailIndex');
    }
    // Nothing else: every exit status listed belongs to a code.
    const listed = rules.flatMap((r) => r.onExitCodes?.values ?? []).sort((a, b) => a - b);
    expect(listed).toEqual([...new Set(Object.values(ErrorCodes).map((c) => c.exit))].sort((a, b) => a - b));
    // The causes the issue names: a store outage is retried, an output conflict and an OOM kill are not.
    expect(actionFor(ErrorCodes.STORE_ERROR.exit)).toBe('Count');
    expect(actionFor(ErrorCodes.OUTPUT_CONFLICT.exit)).toBe('FailIndex');
    expect(actionFor(137)).toBe('FailIndex');
    // A pod stopped by SIGTERM (suspended, evicted or preempted by Kueue) spends no retry.
    expect(actionFor(ErrorCodes.INTERRUPTED.exit)).toBe('Ignore');
    expect(job().spec?.podReplacementPolicy).toBe('Failed');
    expect(job().spec?.template.spec?.restartPolicy).toBe('Never');
  });

  it('runs the runner for JOB_COMPLETION_INDEX against the frozen spec, locked down', () => {
    const pod = job().spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.command).toBeUndefined();
    expect((c.args ?? []).join(' ')).toBe(
      'run-index --spec /etc/swarmlab/experiment.yaml --index $(JOB_COMPLETION_INDEX) --attempt $(POD_NAME) --termination-log /dev/termination-log',
    );
    expect(c.image).toBe('ghcr.io/swarmlab/runner:0.1.0');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.env?.map((e) => e.name)).toEqual(['POD_NAME', 'HOME', 'AWS_REGION', 'SWARMLAB_S3_ENDPOINT']);
    expect(c.envFrom).toEqual([{ secretRef: { name: 'store-creds' } }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    // The runner writes its failure record where the kubelet reads the termination message.
    expect(c.terminationMessagePath).toBe('/dev/termination-log');
    expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(c.volumeMounts).toEqual([
      { name: 'spec', mountPath: '/etc/swarmlab', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    const specVolume = pod.volumes?.find((v) => v.name === 'spec');
    expect(specVolume?.configMap?.name).toBe(specConfigMapName('queue-sweep', specDigest(experiment())));
    expect(pod.volumes?.find((v) => v.name === 'tmp')?.emptyDir).toBeDefined();
  });

  it('is a pure function: same input, same Job; later generations get new names only', () => {
    expect(job()).toEqual(job());
    expect(job({}, 1).metadata?.name).toBe(job().metadata?.name?.replace(/-0$/, '-1'));
  });

  it('refuses more runs than one Indexed Job can hold', () => {
    const exp = experiment();
    expect(() => buildJob({ owner, experiment: exp, digest: specDigest(exp), total: 100_001, generation: 0, config })).toThrow(/at most 100000/);
  });
});

describe('buildSpecConfigMap', () => {
  it('freezes the parsed spec immutably; the runner re-parses it to the same digest', () => {
    const exp = experiment({ parallelism: 3 });
    const cm = buildSpecConfigMap(owner, exp, specDigest(exp));
    expect(cm.immutable).toBe(true);
    expect(cm.metadata?.ownerReferences?.[0]?.uid).toBe(owner.uid);
    const text = cm.data?.['experiment.yaml'] ?? '';
    expect(text).toBe(frozenSpecYaml(exp));
    const reparsed = parseExperiment(parse(text));
    expect(specDigest(reparsed)).toBe(specDigest(exp));
    expect(cm.data?.['digest']).toBe(specDigest(exp));
    expect(reparsed.spec.output.store).toBe('s3://results/lab');
  });

  it('freezes strings YAML 1.1 reads as booleans so that the runner reads them back unchanged', () => {
    const exp = parseExperiment({
      apiVersion: 'swarmlab.io/v1alpha1',
      kind: 'Experiment',
      metadata: { name: 'queue-sweep' },
      spec: {
        scenario: { modules: [{ kind: 'network', module: 'complete', config: { label: 'no' } }], horizon: { time: 10 } },
        sweep: { grid: [{ param: 'complete.mode', values: ['on', 'off', 'y', '0777', '1_000'] }] },
      },
    });
    const reparsed = parseExperimentText(buildSpecConfigMap(owner, exp, specDigest(exp)).data?.['experiment.yaml'] ?? '');
    expect(reparsed).toEqual(exp);
  });
});

describe('a sweep split over several Jobs', () => {
  const exp = experiment({ parallelism: 5, maxFailedRuns: 4 });
  const digest = specDigest(exp);

  it('jobParts: contiguous deterministic ranges of at most the cap', () => {
    expect(jobParts(12, 5)).toEqual([
      { part: 0, parts: 3, offset: 0, size: 5, runsPerPod: 1, indexes: 5 },
      { part: 1, parts: 3, offset: 5, size: 5, runsPerPod: 1, indexes: 5 },
      { part: 2, parts: 3, offset: 10, size: 2, runsPerPod: 1, indexes: 2 },
    ]);
    expect(jobParts(12, 100_000)).toEqual([{ part: 0, parts: 1, offset: 0, size: 12, runsPerPod: 1, indexes: 12 }]);
    expect(jobParts(250_000, 1_000_000).map((p) => [p.offset, p.size])).toEqual([[0, 100_000], [100_000, 100_000], [200_000, 50_000]]);
  });

  it('each part Job: own name and label, its range size, --index-offset, a share of the parallelism', () => {
    const parts = jobParts(12, 5);
    const jobs = parts.map((part) => buildJob({ owner, experiment: exp, digest, total: 12, generation: 2, config, part }));
    expect(jobs.map((j) => j.metadata?.name)).toEqual([0, 1, 2].map((p) => `queue-sweep-${digest.slice(0, 8)}-2-p${p}`));
    expect(jobs.map((j) => jobGenerationOf(j.metadata?.name ?? '', digest))).toEqual([2, 2, 2]);
    expect(jobs.map((j) => j.metadata?.labels?.['swarmlab.io/job-part'])).toEqual(['0', '1', '2']);
    expect(jobs.map((j) => j.spec?.completions)).toEqual([5, 5, 2]);
    expect(jobs.map((j) => j.spec?.parallelism)).toEqual([2, 2, 2]);
    expect(jobs.map((j) => j.spec?.maxFailedIndexes)).toEqual([4, 4, 2]);
    expect(jobs.map((j) => (j.spec?.template.spec?.containers[0]?.args ?? []).join(' '))).toEqual([
      'run-index --spec /etc/swarmlab/experiment.yaml --index $(JOB_COMPLETION_INDEX) --attempt $(POD_NAME) --termination-log /dev/termination-log',
      'run-index --spec /etc/swarmlab/experiment.yaml --index $(JOB_COMPLETION_INDEX) --index-offset 5 --attempt $(POD_NAME) --termination-log /dev/termination-log',
      'run-index --spec /etc/swarmlab/experiment.yaml --index $(JOB_COMPLETION_INDEX) --index-offset 10 --attempt $(POD_NAME) --termination-log /dev/termination-log',
    ]);
  });

  it('one part keeps the unsplit Job exactly', () => {
    const [only] = jobParts(12, 100);
    expect(buildJob({ owner, experiment: exp, digest, total: 12, generation: 0, config, part: only! })).toEqual(buildJob({ owner, experiment: exp, digest, total: 12, generation: 0, config }));
  });

  it('part names stay within MAX_JOB_NAME', () => {
    expect(jobName('x'.repeat(80), digest, 12, 99).length).toBeLessThanOrEqual(MAX_JOB_NAME);
  });
});

describe('a Job of blocks of runs (spec.execution.runsPerPod)', () => {
  const exp = experiment({ runsPerPod: 5, parallelism: 2, maxFailedRuns: 7, resources: { requests: { cpu: '1500m' } } });
  const digest = specDigest(exp);
  const parts = jobParts(12, 100_000, 5);
  const built = buildJob({ owner, experiment: exp, digest, total: 12, generation: 0, config, part: parts[0]! });

  it('has one completion index a block, its block size as an annotation, and as many pods at once as the spec\'s parallelism', () => {
    expect(built.spec?.completions).toBe(3);
    expect(built.metadata?.annotations).toEqual({ 'swarmlab.io/runs-per-pod': '5' });
    expect(built.spec?.parallelism).toBe(2);
    // The Job's own budget is in indexes: a backstop under the operator's, in runs.
    expect(built.spec?.maxFailedIndexes).toBe(3);
  });

  it('runs its block through a worker pool sized to the CPU request the kubelet reports, in whole CPUs', () => {
    const c = built.spec!.template.spec!.containers[0]!;
    expect((c.args ?? []).join(' ')).toBe(
      'run-index --spec /etc/swarmlab/experiment.yaml --index $(JOB_COMPLETION_INDEX) --runs-per-pod 5 --workers $(SWARMLAB_CPU_REQUEST) --attempt $(POD_NAME) --termination-log /dev/termination-log',
    );
    expect(c.env?.find((e) => e.name === 'SWARMLAB_CPU_REQUEST')).toEqual({
      name: 'SWARMLAB_CPU_REQUEST',
      valueFrom: { resourceFieldRef: { containerName: 'runner', resource: 'requests.cpu', divisor: '1' } },
    });
    expect(c.resources?.requests).toEqual({ cpu: '1500m' });
  });

  it('a split sweep of blocks: each part starts at its first run', () => {
    const split = jobParts(23, 2, 5).map((part) => buildJob({ owner, experiment: exp, digest, total: 23, generation: 0, config, part }));
    expect(split.map((j) => j.spec?.completions)).toEqual([2, 2, 1]);
    expect(split.map((j) => (j.spec?.template.spec?.containers[0]?.args ?? []).slice(4, 8).join(' '))).toEqual([
      '$(JOB_COMPLETION_INDEX) --runs-per-pod 5 --workers',
      '$(JOB_COMPLETION_INDEX) --index-offset 10 --runs-per-pod',
      '$(JOB_COMPLETION_INDEX) --index-offset 20 --runs-per-pod',
    ]);
  });

  it('the Jobs\' arguments, read as run-index reads them, run every run of the sweep exactly once', () => {
    const total = 23;
    const covered: number[] = [];
    for (const part of jobParts(total, 2, 5)) {
      const j = buildJob({ owner, experiment: exp, digest, total, generation: 0, config, part });
      const args = j.spec?.template.spec?.containers[0]?.args ?? [];
      const flag = (name: string, unset: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : unset);
      expect(runsPerPodOf(j)).toBe(flag('--runs-per-pod', 1));
      for (let index = 0; index < (j.spec?.completions ?? 0); index++) {
        const block = blockOf(index, flag('--index-offset', 0), flag('--runs-per-pod', 1), total);
        for (let run = block!.first; run <= block!.last; run++) covered.push(run);
      }
    }
    expect(covered).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('runsPerPod is not part of the spec digest: it decides which pod runs a run, not what the run writes', () => {
    expect(specDigest(experiment({ runsPerPod: 5 }))).toBe(specDigest(experiment()));
    expect(specDigest(experiment({ runsPerPod: 5 }))).toBe(specDigest(experiment({ runsPerPod: 1000 })));
  });

  it('one run a pod: no annotation, no block arguments, no CPU variable (a Job as made before blocks existed)', () => {
    const one = job({ runsPerPod: 1 });
    expect(one.metadata?.annotations).toBeUndefined();
    expect(one.spec?.template.spec?.containers[0]?.env?.map((e) => e.name)).not.toContain('SWARMLAB_CPU_REQUEST');
    expect(one).toEqual(job());
  });

  it('refuses more indexes than one Indexed Job can hold, whatever the runs', () => {
    const [wide] = jobParts(200_000, 1_000_000, 1);
    expect(() => buildJob({ owner, experiment: exp, digest, total: 200_000, generation: 0, config, part: { ...wide!, indexes: 100_001 } })).toThrow(/at most 100000 indexes/);
  });
});

describe('buildResultsJob (the finishing step)', () => {
  const digest = 'abcdef0123456789'.repeat(4);
  const built = buildResultsJob({ owner, digest, resultsURI: 's3://results/lab/queue-sweep/abcdef0123456789/', config });

  it('is one pod of the runner image building the tables of the result set, named from the spec digest, owned by the Experiment', () => {
    expect(built.metadata?.name).toBe(resultsJobName('queue-sweep', digest));
    expect(built.metadata?.name).toBe('queue-sweep-abcdef01-results');
    expect(jobGenerationOf(built.metadata?.name ?? '', digest)).toBeUndefined();
    expect(built.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Experiment', uid: owner.uid, controller: true })]);
    expect(built.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 2 });
    const c = built.spec?.template.spec?.containers[0];
    expect(c).toMatchObject({ image: config.runnerImage, args: ['results', 's3://results/lab/queue-sweep/abcdef0123456789/', '--json'], envFrom: [{ secretRef: { name: 'store-creds' } }] });
  });

  it('runs under the same restricted Pod Security as the run pods, with no API token', () => {
    const run = job().spec?.template.spec;
    const fin = built.spec?.template.spec;
    expect(fin?.securityContext).toEqual(run?.securityContext);
    expect(fin?.containers[0]?.securityContext).toEqual(run?.containers[0]?.securityContext);
    expect(fin).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false });
    expect(fin?.containers[0]?.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });
});
