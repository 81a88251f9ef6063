// How run pods end on a real node, and how the operator's Job counts them:
// the kernel's OOM killer (exit 137, OUT_OF_MEMORY) and any other
// non-retryable exit status fail their index at once, whatever retries the
// spec allows; a pod evicted mid-run (DisruptionTarget) costs nothing and its
// run is done again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, prepareOperatorNamespace, queueExperiment, startTestOperator, waitForPhase, type TestOperator } from '../cluster/operator-fixture.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';

const cluster = useCluster('run-failures');
let operator: TestOperator | undefined;

beforeAll(async () => {
  await prepareOperatorNamespace(cluster);
});

afterAll(async () => {
  await operator?.stop();
});

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
    // Long enough (seconds) to be evicted while it runs.
    exp.spec.scenario.horizon.time = 300_000;
    await createExperiment(cluster, exp);
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
    const again = (await podsOf('evicted', 0)).filter((p) => p.metadata?.name !== name);
    expect(again.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(1);
    const [job] = (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=evicted' })).items;
    expect(job?.status?.failed ?? 0).toBe(0);
  });
});
