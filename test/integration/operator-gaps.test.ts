// The operator end to end on the real control plane and MinIO, for the cases
// of issue 4 that need a special runner or operator configuration: a run whose
// output breaks its schema (the corrupt-output failpoint in the runner pods'
// env), a sweep split over several Jobs (a
// lowered per-Job index cap), edits racing the operator's status writes, and
// the operator's watches cut under it.
import { ListObjectsV2Command, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ApiException, CustomObjectsApi, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentStatus } from 'swarmlab';
import { FailureRecord } from '../../runner/src/outputs/schemas.ts';
import { ApiProxy, kubeConfigVia } from '../cluster/api-proxy.ts';
import { createExperiment, experimentStatus, prepareOperatorNamespace, queueExperiment, startTestOperator, waitForPhase, type TestOperator } from '../cluster/operator-fixture.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';

const cluster = useCluster('operator-gaps');
const GROUP = { group: 'swarmlab.io', version: 'v1alpha1', plural: 'experiments' };
let custom: CustomObjectsApi;
let operator: TestOperator | undefined;

const create = (body: unknown) => createExperiment(cluster, body);
const status = (name: string) => experimentStatus(cluster, name);
const waitPhase = (name: string, phase: string, timeoutMs?: number) => waitForPhase(cluster, name, phase, timeoutMs);

async function startOperator(over: { runnerEnv?: Record<string, string>; maxIndexesPerJob?: number; kubeConfig?: KubeConfig; resyncSeconds?: number } = {}): Promise<void> {
  await operator?.stop();
  const { kubeConfig, ...config } = over;
  operator = await startTestOperator(cluster, { config: { identity: 'gaps', ...config }, ...(kubeConfig ? { kubeConfig } : {}) });
}

async function jobsOf(name: string): Promise<V1Job[]> {
  const list = await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/job-generation` });
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

async function s3Keys(prefix: string): Promise<string[]> {
  const out = await cluster.s3().send(new ListObjectsV2Command({ Bucket: cluster.connection.objectStore.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function s3Bytes(key: string): Promise<Uint8Array> {
  const out = await cluster.s3().send(new GetObjectCommand({ Bucket: cluster.connection.objectStore.bucket, Key: key }));
  return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
}

async function s3Text(key: string): Promise<string> {
  const out = await cluster.s3().send(new GetObjectCommand({ Bucket: cluster.connection.objectStore.bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

interface Manifest {
  digest: string;
  counts: { total: number; succeeded: number; failed: number };
  runs: { run_id: string; index: number; status: string; error?: { code: string; message: string } }[];
}

beforeAll(async () => {
  custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  await prepareOperatorNamespace(cluster);
});

const proxy = new ApiProxy();

afterAll(async () => {
  await operator?.stop();
  await proxy.stop();
});

describe('operator gaps of issue 4', () => {
  it('a run whose output breaks its schema: INVALID_OUTPUT, the run failed with that reason, nothing of it written', async () => {
    await startOperator({ runnerEnv: { SWARMLAB_FAILPOINT: 'corrupt-output:2' } });
    await create(queueExperiment('tampered', { execution: { retries: 2 } }));
    const s = await waitPhase('tampered', 'Failed');
    expect(s.runs).toEqual({ total: 4, pending: 0, running: 0, succeeded: 3, failed: 1 });
    expect(s.succeededIndexes).toBe('0-1,3');
    expect(s.failedIndexes).toBe('2');
    const failed = s.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'FailedIndexes' });
    expect(failed?.message).toMatch(/run 2: INVALID_OUTPUT: .*run-000002: 1 problem\(s\): events\.parquet: not a Parquet file this runner can read/);

    // FailIndex on exit 3: one pod for run 2, never retried (the spec allows retries).
    const [job] = await jobsOf('tampered');
    expect(job?.status?.failedIndexes).toBe('2');
    const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `batch.kubernetes.io/job-name=${job?.metadata?.name ?? ''},batch.kubernetes.io/job-completion-index=2` });
    expect(pods.items.length).toBe(1);
    const terminated = pods.items[0]?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(3);
    // Why, as the runner's failure record: the termination message (what the operator read) and the store hold the same one.
    const record = FailureRecord.parse(JSON.parse(terminated?.message ?? ''));
    expect(record).toMatchObject({ run_id: 'run-000002', index: 2, code: 'INVALID_OUTPUT', attempt: pods.items[0]?.metadata?.name });
    expect(failed?.message).toContain(`run 2: INVALID_OUTPUT: ${record.message.slice(0, 100)}`);

    const root = `${cluster.namespace}/tampered/${s.specDigest?.slice(0, 16)}`;
    const keys = await s3Keys(`${root}/`);
    expect(keys.filter((k) => k.includes('/runs/run-000002/'))).toEqual([]);
    expect(keys).not.toContain(`${root}/provenance/run-000002.json`);
    expect(keys.filter((k) => k.endsWith('/run.json')).length).toBe(3);
    expect(JSON.parse(await s3Text(`${root}/failures/run-000002.json`))).toEqual(record);

    const manifest = JSON.parse(await s3Text(`${root}/manifest.json`)) as Manifest;
    expect(manifest.digest).toBe(s.manifestDigest);
    expect(manifest.counts).toEqual({ total: 4, succeeded: 3, failed: 1 });
    expect(manifest.runs[2]).toMatchObject({ run_id: 'run-000002', status: 'failed', error: { code: 'INVALID_OUTPUT', message: expect.stringMatching(/runs\/run-000002: 1 problem\(s\): events\.parquet: not a Parquet file this runner can read/) } });

    // Events are created just after the status write that shows the transition.
    const failedEvent = await waitFor('the Failed event', async () => {
      const events = await cluster.core.listNamespacedEvent({ namespace: cluster.namespace, fieldSelector: 'involvedObject.name=tampered' });
      return events.items.find((e) => e.reason === 'Failed');
    });
    expect(failedEvent?.type).toBe('Warning');
    expect(failedEvent?.message).toContain('run 2: INVALID_OUTPUT');
  });

  it('a store outage during a run is retried on the cluster (STORE_ERROR, exit 4, Count) and the later success wins over its failure record', { timeout: 240_000 }, async () => {
    // The runner pods reach MinIO through a proxy that refuses every connection
    // until run 1's first pod has failed on it: an outage as the pods see it.
    const outage = new ApiProxy();
    outage.refusing = true;
    const s3 = cluster.connection.objectStore;
    const endpoint = await outage.start(s3.endpoint, new URL(s3.endpoint).hostname);
    try {
      await startOperator({ runnerEnv: { SWARMLAB_S3_ENDPOINT: endpoint } });
      await create(queueExperiment('outage', { execution: { retries: 1 } }));
      await waitFor('run 1 to fail on the store', async () => {
        const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=outage,batch.kubernetes.io/job-completion-index=1' });
        return pods.items.some((p) => p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode === 4) ? true : undefined;
      }, { timeoutMs: 90_000, intervalMs: 500 });
      outage.refusing = false;
      const s = await waitPhase('outage', 'Complete');
      expect(s.runs).toMatchObject({ total: 4, succeeded: 4, failed: 0 });
      const [job] = await jobsOf('outage');
      const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `batch.kubernetes.io/job-name=${job?.metadata?.name ?? ''},batch.kubernetes.io/job-completion-index=1` });
      expect(pods.items.map((p) => p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).sort()).toEqual([0, 4]);
      // The store was down, so the failed attempt's record reached only its termination message.
      const failed = pods.items.find((p) => p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode === 4);
      const message = failed?.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '';
      expect(FailureRecord.parse(JSON.parse(message))).toMatchObject({ index: 1, code: 'STORE_ERROR' });
      const root = `${cluster.namespace}/outage/${s.specDigest?.slice(0, 16)}`;
      const manifest = JSON.parse(await s3Text(`${root}/manifest.json`)) as Manifest;
      expect(manifest.runs[1]).toMatchObject({ run_id: 'run-000001', status: 'succeeded' });
    } finally {
      await outage.stop();
    }
  });

  it('the failure budget on the cluster, in runs: past maxFailedRuns the operator stops the Job, and the runs never started are NOT_STARTED in the manifest', async () => {
    // Every run's output breaks its schema (INVALID_OUTPUT, never retried). 8 runs at parallelism 1 are 4 pods of 2 runs:
    // the first pod's two failed runs already exceed the budget of 1, which Kubernetes' maxFailedIndexes (in pods) would not.
    await startOperator({ runnerEnv: { SWARMLAB_FAILPOINT: 'corrupt-output' } });
    await create(queueExperiment('budget', { replicas: 4, execution: { parallelism: 1, maxFailedRuns: 1 } }));
    const s = await waitPhase('budget', 'Failed');
    const failed = s.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'MaxFailedRunsExceeded' });
    const root = `${cluster.namespace}/budget/${s.specDigest?.slice(0, 16)}`;
    const manifest = JSON.parse(await s3Text(`${root}/manifest.json`)) as Manifest;
    expect(manifest.counts).toEqual({ total: 8, succeeded: 0, failed: 8 });
    const codes = manifest.runs.map((r) => r.error?.code);
    const tried = codes.filter((c) => c === 'INVALID_OUTPUT').length;
    expect(tried, `codes: ${codes.join(', ')}`).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c === 'NOT_STARTED').length, `codes: ${codes.join(', ')}`).toBe(8 - tried);
    expect(manifest.runs.find((r) => r.error?.code === 'NOT_STARTED')?.error?.message).toMatch(/spec\.execution\.maxFailedRuns/);
  });

  it('a finished run edited in the store is never counted as done: applied again, the Experiment is Failed naming it, and its manifest lists it failed', async () => {
    await startOperator();
    await create(queueExperiment('altered'));
    const first = await waitPhase('altered', 'Complete');
    await custom.deleteNamespacedCustomObject({ ...GROUP, namespace: cluster.namespace, name: 'altered' });
    await waitFor('altered to be deleted', async () => ((await status('altered').catch(() => 'gone')) === 'gone' ? true : undefined));
    const root = `${cluster.namespace}/altered/${first.specDigest?.slice(0, 16)}`;
    const edited = `${root}/runs/run-000001/metrics.parquet`;
    const original = await s3Bytes(edited);
    await cluster.s3().send(new PutObjectCommand({ Bucket: cluster.connection.objectStore.bucket, Key: edited, Body: original.subarray(0, original.length - 1) }));

    await create(queueExperiment('altered'));
    const s = await waitPhase('altered', 'Failed');
    expect(s.specDigest).toBe(first.specDigest);
    expect(s.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'StoredRunsAltered', message: expect.stringMatching(/run 1: INVALID_OUTPUT: the stored run no longer matches its run\.json \(metrics\.parquet: size/) });
    const manifest = JSON.parse(await s3Text(`${root}/manifest.json`)) as Manifest;
    expect(manifest.counts).toEqual({ total: 4, succeeded: 3, failed: 1 });
    expect(manifest.runs[1]).toMatchObject({ status: 'failed', error: { code: 'INVALID_OUTPUT' } });
  });

  it('a sweep larger than the per-Job cap is split over 3 Jobs of blocks, with index offsets in runs, and completes with correct counts and manifest', async () => {
    // 12 runs in blocks of 2 are 6 indexes; at most 2 a Job: 3 Jobs, the second starting at run 4.
    await startOperator({ maxIndexesPerJob: 2 });
    await create(queueExperiment('split', { replicas: 6, execution: { parallelism: 3, runsPerPod: 2 } }));
    const done = await waitPhase('split', 'Complete');
    expect(done.runs).toEqual({ total: 12, pending: 0, running: 0, succeeded: 12, failed: 0 });
    expect(done.succeededIndexes).toBe('0-11');
    expect(done.failedIndexes).toBe('');
    const d8 = done.specDigest?.slice(0, 8) ?? '';
    const jobs = await jobsOf('split');
    expect(jobs.map((j) => j.metadata?.name)).toEqual([`split-${d8}-0-p0`, `split-${d8}-0-p1`, `split-${d8}-0-p2`]);
    expect(jobs.map((j) => j.spec?.completions)).toEqual([2, 2, 2]);
    // Each Job counts its own completion indexes 0-1 (its status may lag the run records the operator goes by).
    await waitFor('every part Job to complete', async () => ((await jobsOf('split')).every((j) => j.status?.succeeded === 2) ? true : undefined));
    const flag = (j: V1Job, name: string): string | undefined => {
      const args = j.spec?.template.spec?.containers[0]?.args ?? [];
      const at = args.indexOf(name);
      return at < 0 ? undefined : args[at + 1];
    };
    expect(jobs.map((j) => flag(j, '--index-offset') ?? '0')).toEqual(['0', '4', '8']);
    expect(jobs.map((j) => flag(j, '--runs-per-pod'))).toEqual(['2', '2', '2']);

    const root = `${cluster.namespace}/split/${done.specDigest?.slice(0, 16)}`;
    const manifest = JSON.parse(await s3Text(`${root}/manifest.json`)) as Manifest;
    expect(manifest.digest).toBe(done.manifestDigest);
    expect(manifest.counts).toEqual({ total: 12, succeeded: 12, failed: 0 });
    expect(manifest.runs.map((r) => `${r.index}:${r.run_id}:${r.status}`)).toEqual(Array.from({ length: 12 }, (_, i) => `${i}:run-${String(i).padStart(6, '0')}:succeeded`));
    // Runs 10 and 11 were run by the third Job's pod for its completion index 1, one pod for the block.
    const attempts = await Promise.all([10, 11].map(async (i) => (JSON.parse(await s3Text(`${root}/provenance/run-0000${i}.json`)) as { attempt: string }).attempt));
    expect(attempts[0]).toMatch(new RegExp(`^split-${d8}-0-p2-1-`));
    expect(attempts[1]).toBe(attempts[0]);
    const events = await cluster.core.listNamespacedEvent({ namespace: cluster.namespace, fieldSelector: 'involvedObject.name=split' });
    expect(events.items.filter((e) => e.reason === 'JobCreated').map((e) => e.message)).toEqual([expect.stringContaining('3 of 3 Jobs')]);
  });

  it('edits racing the operator\'s status writes converge: stale updates get 409 and are retried, a parallelism change reaches the Job, status ends Complete', async () => {
    await startOperator();
    await create(queueExperiment('contended', { replicas: 4, execution: { parallelism: 1 } }));
    const path = { ...GROUP, namespace: cluster.namespace, name: 'contended' };
    type Obj = { metadata: { resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { execution: Record<string, unknown> }; status?: unknown };

    // A guaranteed conflict: an update from a copy read before the operator's next status write.
    const stale = (await custom.getNamespacedCustomObject(path)) as Obj;
    await waitFor('the operator to write status after our read', async () => {
      const now = (await custom.getNamespacedCustomObject(path)) as Obj;
      return now.metadata.resourceVersion !== stale.metadata.resourceVersion ? true : undefined;
    }, { intervalMs: 50 });
    stale.metadata.labels = { ...stale.metadata.labels, edited: 'stale' };
    const conflict = await custom.replaceNamespacedCustomObject({ ...path, body: stale }).then(() => undefined, (e: unknown) => e);
    expect(conflict).toBeInstanceOf(ApiException);
    expect((conflict as ApiException<unknown>).code).toBe(409);

    // Then, until the sweep completes: read-modify-update of labels and annotations (retried on 409) and
    // merge patches of the spec, in a tight loop while the operator writes status and runs complete.
    let updates = 0;
    let conflicts = 1;
    let parallelismRaised = false;
    for (;;) {
      const cur = (await custom.getNamespacedCustomObject(path)) as Obj;
      if (ExperimentStatus.parse(cur.status ?? {}).phase === 'Complete') break;
      cur.metadata.labels = { ...cur.metadata.labels, edited: String(updates) };
      cur.metadata.annotations = { ...cur.metadata.annotations, 'example.com/touched': String(updates) };
      try {
        await custom.replaceNamespacedCustomObject({ ...path, body: cur });
        updates++;
      } catch (e) {
        if (!(e instanceof ApiException && e.code === 409)) throw e;
        conflicts++;
      }
      const s = ExperimentStatus.parse(cur.status ?? {});
      if (!parallelismRaised && (s.runs?.succeeded ?? 0) >= 2) {
        await cluster.kubectl(['patch', 'experiment', 'contended', '-n', cluster.namespace, '--type=merge', '-p', '{"spec":{"execution":{"parallelism":3}}}']);
        parallelismRaised = true;
      }
    }
    expect(updates).toBeGreaterThan(0);
    expect(conflicts).toBeGreaterThanOrEqual(1);

    const final = (await custom.getNamespacedCustomObject(path)) as Obj;
    const done = ExperimentStatus.parse(final.status);
    expect(done.phase).toBe('Complete');
    expect(done.runs).toEqual({ total: 8, pending: 0, running: 0, succeeded: 8, failed: 0 });
    expect(done.succeededIndexes).toBe('0-7');
    expect(done.observedGeneration).toBe(final.metadata.generation);
    expect(final.metadata.labels?.['edited']).toBe(String(updates - 1));
    const jobs = await jobsOf('contended');
    expect(jobs.length).toBe(1);
    // Raised with at most 6 of 8 runs left at parallelism 1: the running Job followed the spec.
    expect(parallelismRaised).toBe(true);
    expect(jobs[0]?.spec?.parallelism).toBe(3);
    const manifest = JSON.parse(await s3Text(`${cluster.namespace}/contended/${done.specDigest?.slice(0, 16)}/manifest.json`)) as Manifest;
    expect(manifest.counts).toEqual({ total: 8, succeeded: 8, failed: 0 });
  });

  // Three sweeps one after the other.
  it('watches cut under the operator (and new connections refused for a while) are resumed: it keeps reconciling new Experiments', { timeout: 600_000 }, async () => {
    const server = await proxy.start(cluster.kubeConfig.getCurrentCluster()?.server ?? '');
    // No periodic relist during the test: only resumed watches can bring what changed.
    await startOperator({ kubeConfig: kubeConfigVia(cluster.connection.kubeconfigYaml, server), resyncSeconds: 86_400 });
    await create(queueExperiment('before-cut'));
    expect((await waitPhase('before-cut', 'Complete')).runs?.succeeded).toBe(4);

    // Two open watches (Experiments, Jobs) at least go through the proxy.
    expect(proxy.sockets.size).toBeGreaterThanOrEqual(2);
    proxy.refusing = true;
    expect(proxy.cut()).toBeGreaterThanOrEqual(2);
    // Created while the operator cannot see anything: only a resumed watch (or relist) can bring it.
    await create(queueExperiment('during-cut'));
    await new Promise((r) => setTimeout(r, 3000));
    expect((await status('during-cut'))?.phase).toBeUndefined();
    proxy.refusing = false;

    const during = await waitPhase('during-cut', 'Complete');
    expect(during.runs?.succeeded).toBe(4);
    // Cut once more without refusing: the watches reconnect at once, and an Experiment created afterwards runs too.
    proxy.cut();
    await create(queueExperiment('after-cut'));
    expect((await waitPhase('after-cut', 'Complete')).runs).toEqual({ total: 4, pending: 0, running: 0, succeeded: 4, failed: 0 });
    expect((await jobsOf('during-cut')).length).toBe(1);
    expect((await jobsOf('after-cut')).length).toBe(1);
  });
});
