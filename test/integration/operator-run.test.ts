// The operator end to end on the real control plane and MinIO: Experiments
// fan out as Indexed Jobs, the local node runs the runner image in each
// pod, outputs are validated and promoted in MinIO, and status converges.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ApiException, CoordinationV1Api, CustomObjectsApi, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ObjectStore } from 'swarmlab';
import { OperatorConfig } from '../../operator/src/config.ts';
import { Controller } from '../../operator/src/controller/controller.ts';
import { OperatorMetrics } from '../../operator/src/http/metrics.ts';
import { createExperiment, experimentStatus, prepareOperatorNamespace, queueExperiment, testStoreOpener, waitForPhase } from '../cluster/operator-fixture.ts';
import { useCluster, waitFor, within } from '../cluster/harness.ts';
import { swarmlab } from '../cluster/local-cli.ts';

const cluster = useCluster('operator-run');
const GROUP = { group: 'swarmlab.io', version: 'v1alpha1', plural: 'experiments' };
let custom: CustomObjectsApi;
const controllers: Controller[] = [];
const metricsOf = new Map<Controller, OperatorMetrics>();

const create = (body: unknown) => createExperiment(cluster, body);
const status = (name: string) => experimentStatus(cluster, name);
const waitPhase = (name: string, phase: string, timeoutMs?: number) => waitForPhase(cluster, name, phase, timeoutMs);

function storeOpener(): (uri: string) => ObjectStore {
  return testStoreOpener(cluster.connection);
}

function operatorConfig(over: Partial<OperatorConfig> = {}): OperatorConfig {
  const s = cluster.connection.objectStore;
  return OperatorConfig.parse({
    namespace: cluster.namespace,
    workers: 2,
    runnerImage: cluster.connection.image.ref,
    runnerPullPolicy: 'Never',
    store: `s3://${s.bucket}/${cluster.namespace}`,
    runnerEnvSecret: 'store-credentials',
    runnerEnv: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region },
    leaderElection: true,
    leaseNamespace: cluster.namespace,
    identity: `test-${controllers.length}`,
    resyncSeconds: 30,
    ...over,
  });
}

async function startOperator(over: Partial<OperatorConfig> = {}): Promise<Controller> {
  const metrics = new OperatorMetrics(() => c.counts(), { defaultMetrics: false });
  const c: Controller = new Controller({
    kubeConfig: cluster.kubeConfig,
    config: operatorConfig(over),
    metrics,
    openStore: storeOpener(),
    leaseTimings: { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 },
    log: process.env['SWARMLAB_TEST_OPERATOR_LOG'] === '1' ? (m) => console.log(`[operator] ${m}`) : () => undefined,
  });
  controllers.push(c);
  metricsOf.set(c, metrics);
  await c.start();
  return c;
}

/** How many times an operator listed a store prefix. */
async function listings(c: Controller): Promise<number> {
  const text = await metricsOf.get(c)!.registry.metrics();
  return Number(/swarmlab_storage_operations_total\{op="list"\} (\d+)/.exec(text)?.[1] ?? 0);
}

async function jobsOf(name: string): Promise<V1Job[]> {
  const list = await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/job-generation` });
  return list.items;
}

async function s3Text(key: string): Promise<string> {
  const out = await cluster.s3().send(new GetObjectCommand({ Bucket: cluster.connection.objectStore.bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

beforeAll(async () => {
  custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  await prepareOperatorNamespace(cluster);
  await startOperator();
});

afterAll(async () => {
  for (const c of controllers) await c.stop();
});

describe('operator on the local control plane', () => {
  it('runs a sweep to Complete: one Indexed Job, outputs promoted in MinIO, manifest last', async () => {
    const op = controllers[0]!;
    await create(queueExperiment('sweep'));
    const done = await waitPhase('sweep', 'Complete');
    expect(done.runs).toEqual({ total: 4, pending: 0, running: 0, succeeded: 4, failed: 0 });
    expect(done.succeededIndexes).toBe('0-3');
    expect(done.progress).toBe('4/4');
    expect(done.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'True', reason: 'AllRunsSucceeded' });
    const jobs = await jobsOf('sweep');
    expect(jobs.map((j) => j.metadata?.name)).toEqual([`sweep-${done.specDigest?.slice(0, 8)}-0`]);
    expect(jobs[0]?.spec?.completionMode).toBe('Indexed');

    const root = `${cluster.namespace}/sweep/${done.specDigest?.slice(0, 16)}`;
    expect(done.resultsURI).toBe(`s3://${cluster.connection.objectStore.bucket}/${root}/`);
    const manifest = JSON.parse(await s3Text(`${root}/manifest.json`)) as { digest: string; counts: { succeeded: number }; runs: { run_id: string; status: string }[]; provenance: { files: { run_id: string; sha256: string }[] } };
    expect(manifest.digest).toBe(done.manifestDigest);
    // The operator records each run's provenance file in the manifest's integrity field, as `swarmlab run` does.
    expect(manifest.provenance.files.map((f) => f.run_id)).toEqual(['run-000000', 'run-000001', 'run-000002', 'run-000003']);
    expect(manifest.provenance.files[1]?.sha256).toBe(createHash('sha256').update(await s3Text(`${root}/provenance/run-000001.json`)).digest('hex'));
    expect(manifest.counts.succeeded).toBe(4);
    expect(manifest.runs.map((r) => `${r.run_id}:${r.status}`)).toEqual(['run-000000:succeeded', 'run-000001:succeeded', 'run-000002:succeeded', 'run-000003:succeeded']);
    const record = JSON.parse(await s3Text(`${root}/runs/run-000002/run.json`)) as { digest: string };
    expect(record.digest).toMatch(/^[0-9a-f]{64}$/);

    const events = await cluster.core.listNamespacedEvent({ namespace: cluster.namespace, fieldSelector: 'involvedObject.name=sweep' });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['Accepted', 'JobCreated', 'Complete']));
    expect(op.counts().byPhase.Complete).toBeGreaterThanOrEqual(1);
    const table = await cluster.kubectl(['get', 'exp', 'sweep', '-n', cluster.namespace, '--no-headers']);
    expect(table.stdout).toMatch(/^sweep\s+Complete\s+4\/4\s+0\s+\S+\s+s3:\/\//);
    // The runs' prefix is listed on the first pass and once the Job has finished (unless the runs were all
    // confirmed and the Experiment Complete before that), not on every pass in between.
    expect(await listings(op)).toBeGreaterThanOrEqual(1);
    expect(await listings(op)).toBeLessThanOrEqual(2);
  });

  it('runs a sweep in blocks (runsPerPod 3): ceil(runs / 3) pods, and the manifest digest of the same spec run by swarmlab run without blocks', { timeout: 240_000 }, async () => {
    const RUNS = 10;
    const exp = queueExperiment('blocks', { replicas: 5, execution: { runsPerPod: 3 } });
    await create(exp);
    const done = await waitPhase('blocks', 'Complete');
    expect(done.runs).toEqual({ total: RUNS, pending: 0, running: 0, succeeded: RUNS, failed: 0 });
    expect(done.succeededIndexes).toBe(`0-${RUNS - 1}`);
    const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=blocks,swarmlab.io/job-generation' });
    expect(pods.items.map((p) => p.status?.phase)).toEqual(Array.from({ length: Math.ceil(RUNS / 3) }, () => 'Succeeded'));
    const [job] = await jobsOf('blocks');
    expect(job?.spec?.completions).toBe(Math.ceil(RUNS / 3));

    // The same spec without runsPerPod, run locally: the block size is not in the spec digest, nor in any run's bytes.
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-blocks-'));
    try {
      const { runsPerPod: _, ...execution } = exp.spec.execution as Record<string, unknown>;
      writeFileSync(join(dir, 'exp.yaml'), stringify({ ...exp, spec: { ...exp.spec, execution } }));
      const local = await swarmlab(['run', join(dir, 'exp.yaml'), '--store', `file://${join(dir, 'store')}`, '--json'], {});
      expect(local.code, local.stderr).toBe(0);
      const out = JSON.parse(local.stdout) as { specDigest: string; manifestDigest: string };
      expect(done.specDigest).toBe(out.specDigest);
      expect(done.manifestDigest).toBe(out.manifestDigest);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown module gives InvalidSpec with the field path and no Jobs', async () => {
    await create(queueExperiment('unknown', { modules: [{ kind: 'agent', module: 'no-such-agent' }], grid: [] }));
    const s = await waitPhase('unknown', 'Invalid');
    expect(s.conditions?.find((c) => c.type === 'InvalidSpec')).toMatchObject({
      status: 'True',
      reason: 'UnknownModule',
      message: expect.stringContaining('spec.scenario.modules[0].module'),
    });
    expect(await jobsOf('unknown')).toEqual([]);
    const events = await cluster.core.listNamespacedEvent({ namespace: cluster.namespace, fieldSelector: 'involvedObject.name=unknown' });
    expect(events.items.map((e) => e.reason)).toContain('InvalidSpec');
  });

  it('a sweep value that breaks a cross-field module check gives InvalidSpec naming that value, and no Jobs', async () => {
    await create(queueExperiment('cross-field', { grid: [{ param: 'arrivals.targetNode', values: ['server', 'backend'] }] }));
    const s = await waitPhase('cross-field', 'Invalid');
    expect(s.conditions?.find((c) => c.type === 'InvalidSpec')).toMatchObject({
      status: 'True',
      reason: 'InvalidModuleConfig',
      message: expect.stringContaining('spec.sweep.grid[0].values[1]: arrivals: network topology has no node backend'),
    });
    expect(await jobsOf('cross-field')).toEqual([]);
  });

  it('a Job deleted before it finished is replaced; finished runs are not run again', async () => {
    await create(queueExperiment('replaced', { execution: { parallelism: 1 } }));
    const root = await waitFor('a first run to succeed', async () => {
      const s = await status('replaced');
      return (s?.runs?.succeeded ?? 0) >= 1 && (s?.runs?.succeeded ?? 0) < 4 ? `${cluster.namespace}/replaced/${s?.specDigest?.slice(0, 16)}` : undefined;
    }, { intervalMs: 100 });
    const [first] = await jobsOf('replaced');
    await cluster.batch.deleteNamespacedJob({ name: first?.metadata?.name ?? '', namespace: cluster.namespace, propagationPolicy: 'Background' });
    const done = await waitPhase('replaced', 'Complete');
    expect(done.jobGeneration).toBe(1);
    expect(done.runs?.succeeded).toBe(4);
    const names = (await jobsOf('replaced')).map((j) => j.metadata?.name);
    expect(names).toEqual([`replaced-${done.specDigest?.slice(0, 8)}-1`]);
    // Provenance is rewritten only when a run executes: run 0 ran once, under the first Job.
    const prov = JSON.parse(await s3Text(`${root}/provenance/run-000000.json`)) as { attempt: string };
    expect(prov.attempt).toContain(`-${done.specDigest?.slice(0, 8)}-0-`);
  });

  // Twelve real runner containers on a shared 2-core machine: minutes, not seconds.
  it('operator stopped at several points during fan-out and restarted: no duplicate Jobs, every run counted once', { timeout: 300_000 }, async () => {
    for (const c of controllers.splice(0)) await c.stop();
    const names = ['restart-a', 'restart-b', 'restart-c'];
    for (const [i, name] of names.entries()) {
      const op = await within(`operator ${i + 1} starting`, 20_000, startOperator());
      await create(queueExperiment(name));
      // Stop at a different point each time: before, around and after the Job is created.
      await new Promise((r) => setTimeout(r, i * 150));
      await within(`operator ${i + 1} stopping`, 20_000, op.stop());
      controllers.splice(controllers.indexOf(op), 1);
    }
    await within('the last operator starting', 20_000, startOperator());
    for (const name of names) {
      const done = await waitPhase(name, 'Complete', 240_000);
      expect(done.runs).toEqual({ total: 4, pending: 0, running: 0, succeeded: 4, failed: 0 });
      expect((await jobsOf(name)).length).toBe(1);
    }
  });

  it('a second operator stays standby while the first holds the Lease, and takes over when it stops', async () => {
    const leader = controllers.find((c) => c.leaderState === 'leader');
    expect(leader).toBeDefined();
    const standby = await startOperator({ identity: 'standby' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(standby.leaderState).toBe('standby');
    const coordination = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    const lease = await coordination.readNamespacedLease({ name: 'swarmlab-operator', namespace: cluster.namespace });
    expect(lease.spec?.holderIdentity).not.toBe('standby');
    // The leader releases the Lease on a graceful stop, so the standby need not wait out the lease duration.
    await leader!.stop();
    controllers.splice(controllers.indexOf(leader!), 1);
    await waitFor('the standby to lead', async () => (standby.leaderState === 'leader' ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
    expect((await coordination.readNamespacedLease({ name: 'swarmlab-operator', namespace: cluster.namespace })).spec?.holderIdentity).toBe('standby');
    await create(queueExperiment('takeover'));
    const done = await waitPhase('takeover', 'Complete');
    expect(done.runs?.succeeded).toBe(4);
    // The new leader reconciled every Experiment of the earlier tests, all finished, without reading the store: its only listings are takeover's.
    expect(await listings(standby)).toBeLessThanOrEqual(2);
  });

  it('deleting an Experiment mid-run removes its Jobs, pods and ConfigMap', async () => {
    await create(queueExperiment('doomed', { execution: { parallelism: 1 }, replicas: 3 }));
    await waitFor('doomed to run', async () => ((await status('doomed'))?.phase === 'Running' && (await jobsOf('doomed')).length === 1 ? true : undefined));
    await custom.deleteNamespacedCustomObject({ ...GROUP, namespace: cluster.namespace, name: 'doomed', propagationPolicy: 'Foreground' });
    await waitFor('doomed and its children to be gone', async () => {
      try {
        await custom.getNamespacedCustomObject({ ...GROUP, namespace: cluster.namespace, name: 'doomed' });
        return undefined;
      } catch (e) {
        if (!(e instanceof ApiException && e.code === 404)) throw e;
      }
      const jobs = await jobsOf('doomed');
      const cms = await cluster.core.listNamespacedConfigMap({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=doomed' });
      const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=doomed,swarmlab.io/job-generation' });
      return jobs.length === 0 && cms.items.length === 0 && pods.items.length === 0 ? true : undefined;
    });
  });
});
