// Kueue v0.17 for real on the local control plane (test/cluster/kueue.ts runs
// it as a host process for this file only): Experiments with
// spec.execution.queueName are admitted by Kueue, not by the operator.
// - Two Experiments applied at once to a ClusterQueue whose quota fits one
//   Experiment's pods: one waits (phase Queued, Kueue's reason in the Queued
//   condition), its Workload is admitted only once the other's has finished,
//   the operator never unsuspends or resizes its Job, and both reach Complete
//   with the manifest digest `swarmlab run` gives the same spec.
// - spec.execution.suspend on a running Kueue-managed Experiment deactivates
//   its Workload (spec.active false): Kueue evicts it and its pods are stopped
//   without spending a retry (retries 0, maxFailedRuns 0); resumed, its runs
//   are redone and it completes with `swarmlab run`'s digest.
// - An adaptive Experiment (replication rounds) with queueName: each round's
//   Job is left to Kueue like a fan-out Job. While the ClusterQueue holds
//   (stopPolicy Hold) the Experiment is Queued and its round-0 Job stays
//   suspended; released, every round's Job gets a Workload Kueue admits, and
//   the rounds give `swarmlab run`'s manifest digest.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import type { ExperimentStatus } from 'swarmlab';
import { JOB_UID_LABEL, WORKLOADS } from '../../operator/src/kueue/workloads.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { useKueue } from '../cluster/kueue.ts';
import { swarmlab } from '../cluster/local-cli.ts';
import { createExperiment, EXPERIMENTS, experimentStatus, queueExperiment, useTestOperator, waitForPhase } from '../cluster/operator-fixture.ts';

const cluster = useCluster('kueue');
const QUEUE = 'swarmlab';
// Quota for one Experiment's pods: parallelism 2 x (100m CPU, 128Mi).
const POD = { requests: { cpu: '100m', memory: '128Mi' } };
const kueue = useKueue(cluster, async () => {
  const ns = ['-n', cluster.namespace];
  await cluster.kubectl(['delete', 'experiments.swarmlab.io', '--all', ...ns, '--wait=true', '--timeout=60s']);
  await cluster.kubectl(['delete', 'jobs', '--all', ...ns, '--cascade=foreground', '--wait=true', '--timeout=60s']);
  await cluster.kubectl(['delete', 'workloads.kueue.x-k8s.io', '--all', ...ns, '--wait=true', '--timeout=60s']);
  await cluster.kubectl(['delete', 'localqueue.kueue.x-k8s.io', QUEUE, ...ns, '--ignore-not-found', '--wait=true', '--timeout=60s']);
  await cluster.kubectl(['delete', 'clusterqueue.kueue.x-k8s.io', cluster.namespace, '--ignore-not-found', '--wait=true', '--timeout=60s']);
  await cluster.kubectl(['delete', 'resourceflavor.kueue.x-k8s.io', cluster.namespace, '--ignore-not-found', '--wait=true', '--timeout=60s']);
});
useTestOperator(cluster);

async function applyQueues(stopPolicy: 'None' | 'Hold' = 'None'): Promise<void> {
  const docs = [
    { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: cluster.namespace } },
    {
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ClusterQueue',
      metadata: { name: cluster.namespace },
      spec: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': cluster.namespace } },
        stopPolicy,
        resourceGroups: [{ coveredResources: ['cpu', 'memory'], flavors: [{ name: cluster.namespace, resources: [{ name: 'cpu', nominalQuota: '200m' }, { name: 'memory', nominalQuota: '256Mi' }] }] }],
      },
    },
    { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: QUEUE, namespace: cluster.namespace }, spec: { clusterQueue: cluster.namespace } },
  ];
  const r = await cluster.kubectl(['apply', '-f', '-'], { input: docs.map((d) => stringify(d)).join('---\n') });
  expect(r.code, `${r.stderr}\n(Kueue log: ${kueue.logFile})`).toBe(0);
  // A held ClusterQueue is not Active (Kueue admits nothing from it) until its stopPolicy is None again.
  const active = stopPolicy === 'None' ? 'True' : 'False';
  await waitFor(`ClusterQueue Active ${active}`, async () => {
    const out = await cluster.kubectl(['get', 'clusterqueue.kueue.x-k8s.io', cluster.namespace, '-o', 'jsonpath={.status.conditions[?(@.type=="Active")].status}']);
    return out.stdout === active ? true : undefined;
  });
}

/** The Experiment object, and the manifest digest `swarmlab run` gives the same document. */
async function experimentAndLocalDigest(name: string, execution: Record<string, unknown>, seedBase: number, horizon?: number): Promise<{ body: ReturnType<typeof queueExperiment>; digest: string }> {
  const body = queueExperiment(name, { execution: { queueName: QUEUE, resources: POD, ...execution } });
  body.spec.sweep.seeds.base = seedBase;
  if (horizon !== undefined) body.spec.scenario.horizon = { time: horizon };
  return { body, digest: await localDigest(name, body) };
}

/** The manifest digest `swarmlab run` gives an Experiment document. */
async function localDigest(name: string, body: unknown): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-kueue-'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(body));
  const local = await swarmlab(['run', file, '--json', '--workers', '2', '--store', `file://${join(dir, 'results')}`], { SWARMLAB_S3_ENDPOINT: '' });
  expect(local.code, local.stderr).toBe(0);
  const summary = JSON.parse(local.stdout) as { total: number; succeeded: number; manifestDigest: string };
  expect(summary.succeeded).toBe(summary.total);
  return summary.manifestDigest;
}

/** The Workload fields the test reads, with the conditions' times (the operator's parser has no use for them). */
const TimedWorkload = z.object({
  spec: z.object({ active: z.boolean().optional() }).optional(),
  status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), lastTransitionTime: z.string().optional() })).optional() }).optional(),
});
type TimedWorkload = z.infer<typeof TimedWorkload>;

/** The (single) run Job of an Experiment. */
async function jobOf(name: string) {
  return (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/job-generation` })).items[0];
}

/** The Workload Kueue made for the (single) Job of an Experiment. */
async function workloadOf(name: string): Promise<TimedWorkload | undefined> {
  return workloadOfJob((await jobOf(name))?.metadata?.uid);
}

/** The Workload Kueue made for the Job of this UID. */
async function workloadOfJob(uid: string | undefined): Promise<TimedWorkload | undefined> {
  if (uid === undefined) return undefined;
  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const list = (await custom.listNamespacedCustomObject({ ...WORKLOADS, namespace: cluster.namespace, labelSelector: `${JOB_UID_LABEL}=${uid}` })) as { items?: unknown[] };
  return list.items?.[0] === undefined ? undefined : TimedWorkload.parse(list.items[0]);
}

const conditionTime = (w: TimedWorkload | undefined, type: string): string | undefined => w?.status?.conditions?.find((c) => c.type === type && c.status === 'True')?.lastTransitionTime;

describe('Experiments admitted by Kueue', () => {
  it('two Experiments on a queue that fits one: the second is Queued with Kueue\'s reason, runs after the first, and both match swarmlab run', { timeout: 420_000 }, async () => {
    await applyQueues();
    const a = await experimentAndLocalDigest('kueue-a', {}, 11);
    const b = await experimentAndLocalDigest('kueue-b', {}, 23);
    await Promise.all([createExperiment(cluster, a.body), createExperiment(cluster, b.body)]);

    // Which of the two Kueue admits first is its choice (FIFO by Workload creation), and both may look Queued for a moment:
    // the last Queued status seen of each (and its Job while suspended) is kept, and the Jobs' timeline says which one waited.
    const lastQueued = new Map<string, { status: ExperimentStatus; suspend: boolean | undefined; parallelism: number | undefined; label: string | undefined }>();
    const seen = new Set<string>();
    await waitFor('both Complete', async () => {
      const both = await Promise.all(['kueue-a', 'kueue-b'].map(async (n) => ({ name: n, status: await experimentStatus(cluster, n) })));
      for (const x of both) {
        if (x.status?.phase !== undefined) seen.add(`${x.name}:${x.status.phase}`);
        if (x.status?.phase !== 'Queued') continue;
        const job = (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${x.name},swarmlab.io/job-generation` })).items[0];
        // The status and the Job are read one after the other: Kueue may admit the Job in between, so the
        // Job as first seen while Queued is kept, and the status as last seen.
        const jobThen = lastQueued.get(x.name)?.suspend === true ? lastQueued.get(x.name)! : { suspend: job?.spec?.suspend, parallelism: job?.spec?.parallelism, label: job?.metadata?.labels?.['kueue.x-k8s.io/queue-name'] };
        lastQueued.set(x.name, { status: x.status, suspend: jobThen.suspend, parallelism: jobThen.parallelism, label: jobThen.label });
      }
      return both.every((x) => x.status?.phase === 'Complete') ? both : undefined;
    }, { timeoutMs: 360_000, intervalMs: 200 });

    // The waiter's Job started (Kueue unsuspended it: a Job created suspended gets its startTime when resumed)
    // no earlier than the first one's Job completed and gave its quota back. Kueue resets a finished
    // Workload's Admitted condition, so the Jobs keep the timeline.
    const [jA, jB] = await Promise.all([jobOf('kueue-a'), jobOf('kueue-b')]);
    const startA = jA?.status?.startTime?.getTime();
    const startB = jB?.status?.startTime?.getTime();
    expect(startA !== undefined && startB !== undefined, 'both Jobs have a startTime').toBe(true);
    const [first, waiter, jFirst, jWaiter] = startA! <= startB! ? (['kueue-a', 'kueue-b', jA, jB] as const) : (['kueue-b', 'kueue-a', jB, jA] as const);
    const finished = jFirst?.status?.completionTime?.getTime();
    expect(finished, `${first}'s Job has no completionTime`).toBeDefined();
    expect(jWaiter!.status!.startTime!.getTime()).toBeGreaterThanOrEqual(finished!);

    // While it waited, its status said so in Kueue's words, and its Job stayed as the operator made it: suspended, parallelism 2.
    const waited = lastQueued.get(waiter);
    expect(waited, `phases seen: ${[...seen].join(', ')}`).toBeDefined();
    expect(waited!.status.conditions?.find((c) => c.type === 'Queued')).toMatchObject({ status: 'True', reason: 'Pending', message: expect.stringMatching(/LocalQueue swarmlab: .*quota/i) });
    expect(waited!.status.conditions?.find((c) => c.type === 'Running')).toMatchObject({ status: 'False', reason: 'Queued' });
    expect(waited!.status.runs?.running).toBe(0);
    expect(waited).toMatchObject({ suspend: true, parallelism: 2, label: QUEUE });

    for (const [name, digest] of [['kueue-a', a.digest], ['kueue-b', b.digest]] as const) {
      const done = await experimentStatus(cluster, name);
      expect(done?.manifestDigest, name).toBe(digest);
      expect(done?.runs?.failed).toBe(0);
      expect(done?.conditions?.find((c) => c.type === 'Queued')).toMatchObject({ status: 'False' });
    }
  });

  it('spec.execution.suspend deactivates the Workload; the evicted pods spend no retry and their runs are redone on resume', { timeout: 420_000 }, async () => {
    await applyQueues();
    // Longer runs, so that pods are running when the suspend lands; no retries and no failure budget, so one counted failure would fail it.
    const name = 'kueue-suspend';
    const { body, digest } = await experimentAndLocalDigest(name, { retries: 0, maxFailedRuns: 0 }, 31, 400_000);
    await createExperiment(cluster, body);
    await waitFor(`${name} running pods`, async () => {
      const s = await experimentStatus(cluster, name);
      return s?.phase === 'Running' && (s.runs?.running ?? 0) > 0 ? s : undefined;
    }, { timeoutMs: 200_000, intervalMs: 200 });

    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const patch = (suspend: boolean) =>
      cluster.kubectl(['patch', 'experiments.swarmlab.io', name, '-n', cluster.namespace, '--type=merge', '-p', JSON.stringify({ spec: { execution: { suspend } } })]);
    expect((await patch(true)).code).toBe(0);
    const suspended = await waitForPhase(cluster, name, 'Suspended');
    expect(suspended.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'True', reason: 'SuspendedBySpec' });
    const evicted = await waitFor('the Workload deactivated and evicted by Kueue', async () => {
      const w = await workloadOf(name);
      return w?.spec?.active === false && conditionTime(w, 'Evicted') !== undefined ? w : undefined;
    }, { timeoutMs: 60_000 });
    expect(evicted.spec?.active).toBe(false);
    await waitFor('no runner pod left', async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name}`, fieldSelector: 'status.phase=Running' });
      return pods.items.length === 0 ? true : undefined;
    }, { timeoutMs: 120_000 });
    const job = (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/job-generation` })).items[0];
    expect(job?.spec?.suspend).toBe(true);
    expect(job?.status?.failedIndexes ?? '').toBe('');

    expect((await patch(false)).code).toBe(0);
    const done = await waitForPhase(cluster, name, 'Complete', 300_000);
    expect(done.runs?.failed).toBe(0);
    expect(done.manifestDigest).toBe(digest);
    const obj = (await custom.getNamespacedCustomObject({ ...EXPERIMENTS, namespace: cluster.namespace, name })) as { spec: { execution: { suspend?: boolean } } };
    expect(obj.spec.execution.suspend).toBe(false);
    expect((await workloadOf(name))?.spec?.active).not.toBe(false);
  });

  it('an adaptive Experiment\'s round Jobs are left to Kueue: Queued while the ClusterQueue holds, every round admitted by Kueue, swarmlab run\'s digest', { timeout: 600_000 }, async () => {
    await applyQueues('Hold');
    const name = 'kueue-rounds';
    const base = queueExperiment(name, { execution: { queueName: QUEUE, resources: POD } });
    // Replication rounds: 2 rates, at least 2 seeds each, 3 more a round until the half-width target or 11 seeds.
    const sweep = { seeds: { base: 41 }, grid: [{ param: 'arrivals.rate', values: [0.3, 0.8] }], replication: { metric: 'summary.server.meanSojourn', target: { relativeHalfWidth: 0.1 }, minSeeds: 2, seedsPerRound: 3, maxSeeds: 11 } };
    const body = { ...base, spec: { ...base.spec, sweep } };
    const digest = await localDigest(name, body);
    await createExperiment(cluster, body);

    // Kueue admits nothing from a held ClusterQueue, so this holds until the release below: the operator leaves round 0's Job suspended.
    const queued = await waitForPhase(cluster, name, 'Queued', 120_000);
    expect(queued.rounds?.current).toBe(0);
    expect(queued.runs?.running).toBe(0);
    expect(queued.conditions?.find((c) => c.type === 'Queued')).toMatchObject({ status: 'True', message: expect.stringContaining(`LocalQueue ${QUEUE}`) });
    expect(queued.conditions?.find((c) => c.type === 'Running')).toMatchObject({ status: 'False', reason: 'Queued' });
    const roundJobs = async () => (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/round` })).items;
    const [round0] = await roundJobs();
    expect(round0?.metadata?.labels?.['swarmlab.io/round']).toBe('0');
    expect(round0?.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBe(QUEUE);
    expect(round0?.spec?.suspend).toBe(true);
    expect(round0?.status?.startTime).toBeUndefined();

    const released = await cluster.kubectl(['patch', 'clusterqueue.kueue.x-k8s.io', cluster.namespace, '--type=merge', '-p', JSON.stringify({ spec: { stopPolicy: 'None' } })]);
    expect(released.code, released.stderr).toBe(0);
    const done = await waitForPhase(cluster, name, 'Complete', 500_000);
    expect(done.manifestDigest).toBe(digest);
    expect(done.runs?.failed).toBe(0);
    expect(done.rounds?.ended).toBe(true);
    expect(done.rounds?.current ?? 0).toBeGreaterThan(0);
    expect(done.conditions?.find((c) => c.type === 'Queued')).toMatchObject({ status: 'False' });

    // One Job a round, each with the queue label and a Workload of Kueue's that was admitted: QuotaReserved, or Finished once its Job completed (Kueue releases a finished Workload's quota).
    const jobs = await roundJobs();
    expect(jobs.map((j) => j.metadata?.labels?.['swarmlab.io/round']).sort()).toEqual(Array.from({ length: (done.rounds?.current ?? 0) + 1 }, (_, i) => String(i)).sort());
    for (const j of jobs) {
      expect(j.metadata?.labels?.['kueue.x-k8s.io/queue-name'], j.metadata?.name).toBe(QUEUE);
      const w = await workloadOfJob(j.metadata?.uid);
      expect(w, `Workload of ${j.metadata?.name ?? ''}`).toBeDefined();
      expect(conditionTime(w, 'QuotaReserved') ?? conditionTime(w, 'Finished'), `Workload of ${j.metadata?.name ?? ''} admitted`).toBeDefined();
    }
  });
});
