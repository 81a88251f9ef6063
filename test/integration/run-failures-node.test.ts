// How run pods end on a real node, and how the operator's Job counts them:
// the kernel's OOM killer (exit 137, OUT_OF_MEMORY) and any other
// non-retryable exit status fail their index at once, whatever retries the
// spec allows; a pod evicted mid-run (DisruptionTarget) costs nothing and its
// run is done again. With many runs a pod, the same per run: a block killed
// mid-way fails only its unfinished runs, an evicted block is redone, and the
// runs either pod promoted stay as that pod wrote them; a block suspended
// mid-way is no failure, and resuming it runs only what it left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentLayout, runIdOf, type Manifest, type ObjectStore } from 'swarmlab';
import { createExperiment, experimentStatus, prepareOperatorNamespace, queueExperiment, startTestOperator, testStoreOpener, waitForPhase, type TestOperator } from '../cluster/operator-fixture.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';

const cluster = useCluster('run-failures');
let operator: TestOperator | undefined;

beforeAll(async () => {
  await prepareOperatorNamespace(cluster);
});

afterAll(async () => {
  await operator?.stop();
});

/** The test store, and the result set of an Experiment once the operator has its spec digest. */
async function resultSet(name: string): Promise<{ store: ObjectStore; layout: ExperimentLayout }> {
  const s = cluster.connection.objectStore;
  const digest = await waitFor(`${name}'s spec digest`, async () => (await experimentStatus(cluster, name))?.specDigest);
  return { store: testStoreOpener(cluster.connection)(`s3://${s.bucket}/${cluster.namespace}`), layout: new ExperimentLayout(name, digest) };
}

/** The provenance files present, by run id, as text: who ran each run. */
async function provenance(set: { store: ObjectStore; layout: ExperimentLayout }, total: number): Promise<Map<string, string>> {
  const ids = Array.from({ length: total }, (_, i) => runIdOf(i, total));
  const texts = await Promise.all(ids.map(async (id) => (await set.store.get(set.layout.provenance(id)))?.toString('utf8')));
  return new Map(ids.flatMap((id, i) => (texts[i] === undefined ? [] : [[id, texts[i]] as [string, string]])));
}

const attemptOf = (text: string | undefined): string | undefined => (text === undefined ? undefined : (JSON.parse(text) as { attempt: string }).attempt);

async function podsOf(experiment: string, index?: number) {
  const selector = `swarmlab.io/experiment=${experiment}${index === undefined ? '' : `,batch.kubernetes.io/job-completion-index=${index}`}`;
  return (await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: selector })).items;
}

describe('run pods on the real node', () => {
  it('a run over its memory limit is OOM-killed (exit 137) and fails its index without a retry (OUT_OF_MEMORY: the same run would be killed again)', { timeout: 240_000 }, async () => {
    operator ??= await startTestOperator(cluster);
    // Node alone needs more than 24 MiB: the container is killed while it starts, every time.
    await createExperiment(cluster, queueExperiment('oom', { replicas: 1, grid: [{ param: 'arrivals.rate', values: [0.3] }], execution: { retries: 2, resources: { limits: { memory: '24Mi' } } } }));
    const s = await waitForPhase(cluster, 'oom', 'Failed', 200_000);
    expect(s.runs).toMatchObject({ total: 1, succeeded: 0, failed: 1 });
    const pods = await podsOf('oom', 0);
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('a run that exits with a non-retryable status fails its index without a retry', { timeout: 240_000 }, async () => {
    await operator?.stop();
    // INVALID_OUTPUT is never retried (the runner's exit-status table), however many retries the spec allows.
    operator = await startTestOperator(cluster, { config: { runnerEnv: { SWARMLAB_FAILPOINT: 'corrupt-output:1' } } });
    await createExperiment(cluster, queueExperiment('fatal', { execution: { retries: 3 } }));
    const s = await waitForPhase(cluster, 'fatal', 'Failed', 200_000);
    expect(s.runs).toMatchObject({ total: 4, succeeded: 3, failed: 1 });
    const pods = await podsOf('fatal', 1);
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).not.toBe(0);
    await operator.stop();
    operator = undefined;
  });

  it('a run pod evicted mid-run (DisruptionTarget) uses no retry and its run is done again', { timeout: 240_000 }, async () => {
    operator ??= await startTestOperator(cluster);
    // No retries at all: only the pod failure policy's Ignore rule can bring the run back.
    const exp = queueExperiment('evicted', { replicas: 1, grid: [{ param: 'arrivals.rate', values: [0.3] }], execution: { retries: 0, parallelism: 1 } });
    // Evicted with grace 0, the runner still has the kubelet's 2 s minimum after SIGTERM to finish its run, and the
    // SIGTERM itself comes a second or two after the eviction: a run of 36 million events (about 16 s here at level
    // final) cannot end in that time, where one of a million (the complete trace's half second) did.
    exp.spec.scenario.horizon.time = 60_000_000;
    await createExperiment(cluster, { ...exp, spec: { ...exp.spec, output: { trace: { level: 'final' } } } });
    const running = await waitFor('the run pod to be running', async () => {
      const pods = await podsOf('evicted', 0);
      return pods.find((p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    }, { timeoutMs: 120_000, intervalMs: 200 });
    const name = running.metadata?.name ?? '';
    // No grace period: the runner would otherwise stop on SIGTERM (or finish) in its own time.
    await cluster.core.createNamespacedPodEviction({ name, namespace: cluster.namespace, body: { metadata: { name, namespace: cluster.namespace }, deleteOptions: { gracePeriodSeconds: 0 } } });
    // The API server marks the pod before it deletes it; the kubelet then stops the container.
    const evicted = await cluster.core.readNamespacedPod({ name, namespace: cluster.namespace });
    expect(evicted.metadata?.deletionTimestamp).toBeDefined();
    expect(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI' });
    const s = await waitForPhase(cluster, 'evicted', 'Complete', 200_000);
    expect(s.runs).toMatchObject({ total: 1, succeeded: 1, failed: 0 });
    // The Experiment is Complete once the run's run.json is stored, which can be before the pod that wrote it has exited.
    const again = await waitFor('the pod that ran it again to end Succeeded', async () => {
      const ended = (await podsOf('evicted', 0)).filter((p) => p.metadata?.name !== name && p.status?.phase === 'Succeeded');
      return ended.length > 0 ? ended : undefined;
    }, { timeoutMs: 60_000 });
    expect(again).toHaveLength(1);
    const [job] = (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=evicted' })).items;
    expect(job?.status?.failed ?? 0).toBe(0);
  });

  it('a block OOM-killed mid-way (runsPerPod 3) fails its index with OUT_OF_MEMORY for its unfinished runs only; the runs it finished stay promoted and count as succeeded', { timeout: 240_000 }, async () => {
    operator ??= await startTestOperator(cluster);
    // Run 2 queues arrivals at 10,000 a time unit for a server of rate 1: its queue outgrows 180 MiB within seconds,
    // while the other runs, and Node, stay well under it. Blocks: runs 0-2 (the heavy one last) and 3-5.
    const rates = [0.3, 0.35, 10_000, 0.4, 0.45, 0.5];
    const exp = queueExperiment('oom-block', { replicas: 1, grid: [{ param: 'arrivals.rate', values: rates }], execution: { retries: 2, parallelism: 1, runsPerPod: 3, resources: { limits: { memory: '180Mi' } } } });
    await createExperiment(cluster, { ...exp, spec: { ...exp.spec, output: { trace: { level: 'final' } } } });
    const set = await resultSet('oom-block');
    const s = await waitForPhase(cluster, 'oom-block', 'Failed', 200_000);

    // One pod for the block, killed by the kernel, never retried (the same run would be killed again).
    const pods = await podsOf('oom-block', 0);
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    const killed = pods[0]?.metadata?.name;

    const manifest = JSON.parse((await set.store.get(set.layout.manifest))?.toString('utf8') ?? '{}') as Manifest;
    const byRun = new Map(manifest.runs.map((r) => [r.index, r]));
    // Two runs are in flight in the pod: the heavy run starts once one of runs 0-1 is promoted (its lane's next), and that one is kept as the killed pod wrote it.
    const prov = await provenance(set, rates.length);
    const kept = [0, 1].filter((i) => byRun.get(i)?.status === 'succeeded');
    expect(kept.map((i) => attemptOf(prov.get(runIdOf(i, rates.length))))).toContain(killed);
    // (The other may have been promoted with its provenance still unwritten when the pod died.)
    for (const i of kept) expect([killed, undefined]).toContain(attemptOf(prov.get(runIdOf(i, rates.length))));
    // The heavy run and whatever else of the block was in flight: failed with the code that stopped them.
    expect(byRun.get(2)).toMatchObject({ status: 'failed', error: { code: 'OUT_OF_MEMORY' } });
    const failed = manifest.runs.filter((r) => r.status === 'failed');
    for (const r of failed) {
      expect(r.index, r.run_id).toBeLessThanOrEqual(2);
      expect(r.error?.code, r.run_id).toBe('OUT_OF_MEMORY');
      expect(await set.store.stat(set.layout.runRecord(r.run_id)), r.run_id).toBeUndefined();
    }
    // The other block is untouched by it.
    expect([3, 4, 5].map((i) => byRun.get(i)?.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(s.runs).toMatchObject({ total: 6, succeeded: 6 - failed.length, failed: failed.length });
    expect(manifest.counts).toEqual({ total: 6, succeeded: 6 - failed.length, failed: failed.length });
  });

  it('spec.execution.suspend: created suspended, no pod; suspended mid-block, its pod ends without a failure and keeps the runs it promoted; resumed, one pod runs the rest', { timeout: 240_000 }, async () => {
    operator ??= await startTestOperator(cluster);
    const BLOCK = 12;
    const name = 'suspended-block';
    // No retries and no failure budget: a stopped pod counted as a failure would fail the Experiment.
    const exp = queueExperiment(name, { replicas: BLOCK, grid: [{ param: 'arrivals.rate', values: [0.5] }], execution: { retries: 0, maxFailedRuns: 0, parallelism: 1, runsPerPod: BLOCK, suspend: true } });
    exp.spec.scenario.horizon.time = 1_000_000;
    await createExperiment(cluster, { ...exp, spec: { ...exp.spec, output: { trace: { level: 'final' } } } });
    const set = await resultSet(name);
    const patch = (suspend: boolean) => cluster.kubectl(['patch', 'experiments.swarmlab.io', name, '-n', cluster.namespace, '--type=merge', '-p', JSON.stringify({ spec: { execution: { suspend } } })]);
    const jobOf = async () => (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name}` })).items[0];

    // Created suspended: its Job exists, suspended, and no pod runs.
    expect((await waitForPhase(cluster, name, 'Suspended')).runs).toMatchObject({ total: BLOCK, succeeded: 0 });
    expect((await jobOf())?.spec?.suspend).toBe(true);
    expect(await podsOf(name)).toEqual([]);
    expect((await patch(false)).code).toBe(0);
    const cut = await waitFor('the block pod between two runs', async () => {
      const running = (await podsOf(name, 0)).find((p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
      if (running === undefined) return undefined;
      const promoted = await provenance(set, BLOCK);
      // A third of the block at most: the two runs in flight, and any started before the pod hears it must stop, finish; some must be left.
      return promoted.size >= 1 && promoted.size <= BLOCK / 3 ? { pod: running, promoted } : undefined;
    }, { timeoutMs: 150_000, intervalMs: 100 });
    const stopped = cut.pod.metadata?.name ?? '';
    expect((await patch(true)).code).toBe(0);
    const suspended = await waitForPhase(cluster, name, 'Suspended');
    expect(suspended.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'True', reason: 'SuspendedBySpec' });
    await waitFor('the block pod gone', async () => ((await podsOf(name, 0)).some((p) => p.metadata?.name === stopped) ? undefined : true), { timeoutMs: 60_000 });
    const job = await jobOf();
    expect(job?.spec?.suspend).toBe(true);
    expect(job?.status?.failed ?? 0).toBe(0);
    expect(job?.status?.failedIndexes ?? '').toBe('');
    const paused = await provenance(set, BLOCK);
    expect(paused.size).toBeLessThan(BLOCK);
    expect((await experimentStatus(cluster, name))?.runs).toMatchObject({ total: BLOCK, failed: 0 });

    expect((await patch(false)).code).toBe(0);
    const s = await waitForPhase(cluster, name, 'Complete', 200_000);
    expect(s.runs).toMatchObject({ total: BLOCK, succeeded: BLOCK, failed: 0 });
    const after = await provenance(set, BLOCK);
    expect(after.size).toBe(BLOCK);
    // Kept: what the stopped pod promoted, byte for byte (its runs in flight when it stopped may have been promoted too). Done on resume: the rest, by one new pod.
    for (const [id, text] of paused) expect(after.get(id), id).toBe(text);
    const resumed = (await podsOf(name, 0)).filter((p) => p.metadata?.name !== stopped && p.status?.phase === 'Succeeded');
    expect(resumed).toHaveLength(1);
    for (const [id, text] of after) if (!paused.has(id)) expect(attemptOf(text), id).toBe(resumed[0]?.metadata?.name);
  });

  it('a block pod evicted mid-block (DisruptionTarget) is redone without using a retry, and keeps the runs it promoted', { timeout: 240_000 }, async () => {
    operator ??= await startTestOperator(cluster);
    const BLOCK = 12;
    // No retries at all: only the pod failure policy's Ignore rule can bring the block back. Runs of about half a second each.
    const exp = queueExperiment('evicted-block', { replicas: BLOCK, grid: [{ param: 'arrivals.rate', values: [0.5] }], execution: { retries: 0, parallelism: 1, runsPerPod: BLOCK } });
    exp.spec.scenario.horizon.time = 1_000_000;
    await createExperiment(cluster, { ...exp, spec: { ...exp.spec, output: { trace: { level: 'final' } } } });
    const set = await resultSet('evicted-block');
    const cut = await waitFor('the block pod between two runs', async () => {
      const running = (await podsOf('evicted-block', 0)).find((p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
      if (running === undefined) return undefined;
      const promoted = await provenance(set, BLOCK);
      // A third of the block at most: the two runs in flight, and any started before the pod hears it must stop, finish; some must be left.
      return promoted.size >= 1 && promoted.size <= BLOCK / 3 ? { pod: running, promoted } : undefined;
    }, { timeoutMs: 150_000, intervalMs: 100 });
    const name = cut.pod.metadata?.name ?? '';
    await cluster.core.createNamespacedPodEviction({ name, namespace: cluster.namespace, body: { metadata: { name, namespace: cluster.namespace }, deleteOptions: { gracePeriodSeconds: 0 } } });
    const evicted = await cluster.core.readNamespacedPod({ name, namespace: cluster.namespace });
    expect(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI' });

    const s = await waitForPhase(cluster, 'evicted-block', 'Complete', 200_000);
    expect(s.runs).toMatchObject({ total: BLOCK, succeeded: BLOCK, failed: 0 });
    const [job] = (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=evicted-block' })).items;
    expect(job?.status?.failed ?? 0).toBe(0);
    // The Experiment is Complete once the last run.json is stored, which can be before the pod that wrote it has exited.
    const again = await waitFor('the pod that redid the block to end Succeeded', async () => {
      const ended = (await podsOf('evicted-block', 0)).filter((p) => p.metadata?.name !== name && p.status?.phase === 'Succeeded');
      return ended.length > 0 ? ended : undefined;
    }, { timeoutMs: 60_000 });
    expect(again).toHaveLength(1);
    const second = again[0]?.metadata?.name;

    // Kept: the evicted pod's runs, byte for byte. Redone: the rest, by the second pod (the evicted one may have finished one more before it stopped).
    const after = await provenance(set, BLOCK);
    expect(after.size).toBe(BLOCK);
    for (const [id, text] of cut.promoted) expect(after.get(id), id).toBe(text);
    for (const [id, text] of after) expect([name, second], id).toContain(attemptOf(text));
    expect([...after.values()].filter((t) => attemptOf(t) === second).length).toBeGreaterThan(0);
  });
});
