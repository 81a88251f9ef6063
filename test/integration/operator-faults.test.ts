// The operator under faults, on the real control plane and MinIO: its object
// store unreachable during collection, a final key holding different bytes,
// two operators racing without leader election, and the operator process
// killed with SIGKILL mid fan-out.
import { spawn, type ChildProcess } from 'node:child_process';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { V1Job } from '@kubernetes/client-node';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment, specDigest, type ExperimentStatus, type ObjectStore } from 'swarmlab';
import { OperatorConfig } from '../../operator/src/config.ts';
import { Controller } from '../../operator/src/controller/controller.ts';
import { OperatorMetrics } from '../../operator/src/http/metrics.ts';
import { createExperiment, experimentStatus, prepareOperatorNamespace, testStoreOpener } from '../cluster/operator-fixture.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { repoRoot } from '../cluster/versions.ts';
import { freePort } from '../cluster/processes.ts';

const cluster = useCluster('operator-faults');
const running: { controller: Controller; metrics: OperatorMetrics }[] = [];
let storeDown = false;

function storeOpener(): (uri: string) => ObjectStore {
  // "Down" is a real connection to a port nothing listens on, not a fake store.
  return testStoreOpener(cluster.connection, { endpoint: () => (storeDown ? 'http://127.0.0.1:9' : cluster.connection.objectStore.endpoint), maxAttempts: 1 });
}

function envFor(): Record<string, string> {
  const s = cluster.connection.objectStore;
  return {
    SWARMLAB_WATCH_NAMESPACE: cluster.namespace,
    SWARMLAB_WORKERS: '2',
    SWARMLAB_RUNNER_IMAGE: cluster.connection.image.ref,
    SWARMLAB_RUNNER_PULL_POLICY: 'Never',
    SWARMLAB_STORE: `s3://${s.bucket}/${cluster.namespace}`,
    SWARMLAB_RUNNER_ENV_SECRET: 'store-credentials',
    SWARMLAB_RUNNER_ENV: JSON.stringify({ SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region }),
    SWARMLAB_LEASE_NAMESPACE: cluster.namespace,
    SWARMLAB_RESYNC_SECONDS: '30',
  };
}

async function startOperator(over: Record<string, unknown> = {}): Promise<{ controller: Controller; metrics: OperatorMetrics }> {
  const env = envFor();
  const config = OperatorConfig.parse({
    namespace: env['SWARMLAB_WATCH_NAMESPACE'],
    workers: 2,
    runnerImage: env['SWARMLAB_RUNNER_IMAGE'],
    runnerPullPolicy: 'Never',
    store: env['SWARMLAB_STORE'],
    runnerEnvSecret: 'store-credentials',
    runnerEnv: JSON.parse(env['SWARMLAB_RUNNER_ENV']!) as Record<string, string>,
    leaseNamespace: cluster.namespace,
    identity: `inproc-${running.length}`,
    resyncSeconds: 30,
    ...over,
  });
  const metrics = new OperatorMetrics(() => controller.counts(), { defaultMetrics: false });
  const controller: Controller = new Controller({
    kubeConfig: cluster.kubeConfig,
    config,
    metrics,
    openStore: storeOpener(),
    leaseTimings: { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 },
    log: process.env['SWARMLAB_TEST_OPERATOR_LOG'] === '1' ? (m) => console.log(`[operator] ${m}`) : () => undefined,
  });
  const entry = { controller, metrics };
  running.push(entry);
  await controller.start();
  return entry;
}

async function stopAll(): Promise<void> {
  for (const r of running.splice(0)) await r.controller.stop();
}

function experiment(name: string, execution: Record<string, unknown> = {}) {
  return {
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      scenario: {
        modules: [
          { kind: 'network', module: 'explicit', name: 'topology', config: { nodes: ['source', 'server'], edges: [{ from: 'source', to: 'server', weight: 0.25 }] } },
          { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.5, target: 'server', network: 'topology' } },
          { kind: 'agent', module: 'service-queue', name: 'server', config: { servers: 1, serviceRate: 1.0, warmup: 10 } },
        ],
        horizon: { time: 150 },
      },
      sweep: { seeds: { base: 11, replicas: 2 }, grid: [{ param: 'arrivals.rate', values: [0.3, 0.6] }] },
      execution: { parallelism: 2, ...execution },
    },
  };
}

const create = (body: unknown) => createExperiment(cluster, body);
const status = (name: string) => experimentStatus(cluster, name);

async function waitStatus(name: string, what: string, ok: (s: ExperimentStatus) => boolean, timeoutMs = 120_000): Promise<ExperimentStatus> {
  return waitFor(`${name}: ${what}`, async () => {
    const s = await status(name);
    return s !== undefined && ok(s) ? s : undefined;
  }, { timeoutMs, intervalMs: 300 });
}

const cond = (s: ExperimentStatus, type: string) => s.conditions?.find((c) => c.type === type);

async function jobsOf(name: string): Promise<V1Job[]> {
  return (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/job-generation` })).items;
}

beforeAll(async () => {
  await prepareOperatorNamespace(cluster);
});

afterAll(async () => {
  await stopAll();
});

describe('operator under faults', () => {
  it('object store down during collection: StorageUnavailable, retries with backoff, completes without losing a run when it returns', async () => {
    const { metrics } = await startOperator();
    storeDown = true;
    await create(experiment('collect'));
    const down = await waitStatus('collect', 'StorageUnavailable', (s) => cond(s, 'StorageUnavailable')?.status === 'True');
    expect(cond(down, 'StorageUnavailable')?.reason).toBe('StoreError');
    expect(down.phase).not.toBe('Complete');
    // The runs themselves write to the store directly and finish meanwhile.
    await waitFor('the Job to complete', async () => ((await jobsOf('collect'))[0]?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') === true ? true : undefined), { timeoutMs: 90_000 });
    expect((await status('collect'))?.phase).toBe('Running');
    storeDown = false;
    const done = await waitStatus('collect', 'Complete', (s) => s.phase === 'Complete');
    expect(done.runs).toEqual({ total: 4, pending: 0, running: 0, succeeded: 4, failed: 0 });
    expect(cond(done, 'StorageUnavailable')?.status).toBe('False');
    const text = await metrics.registry.metrics();
    expect(Number(/swarmlab_storage_failures_total\{op="list"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/swarmlab_workqueue_retries_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    // Events are created just after the status write that shows the transition.
    const reasons = await waitFor('the Complete event', async () => {
      const events = await cluster.core.listNamespacedEvent({ namespace: cluster.namespace, fieldSelector: 'involvedObject.name=collect' });
      const r = events.items.map((e) => e.reason);
      return r.includes('Complete') ? r : undefined;
    });
    expect(reasons).toEqual(expect.arrayContaining(['StorageUnavailable', 'StorageAvailable', 'Complete']));
  });

  it('a final key holding different bytes: OutputConflict, the run fails with the reason, nothing overwritten', async () => {
    const doc = experiment('conflict');
    const s = cluster.connection.objectStore;
    const exp = parseExperiment(doc);
    const root = `${cluster.namespace}/conflict/${specDigest(exp).slice(0, 16)}`;
    const planted = 'planted by the test: not what the runner produces\n';
    await cluster.s3().send(new PutObjectCommand({ Bucket: s.bucket, Key: `${root}/runs/run-000001/summary.json`, Body: planted }));
    await create(doc);
    const failed = await waitStatus('conflict', 'Failed', (st) => st.phase === 'Failed');
    expect(failed.runs).toMatchObject({ total: 4, succeeded: 3, failed: 1 });
    expect(failed.failedIndexes).toBe('1');
    expect(cond(failed, 'OutputConflict')).toMatchObject({ status: 'True', message: expect.stringContaining('run 1') });
    expect(cond(failed, 'Failed')?.message).toContain('OUTPUT_CONFLICT');
    const kept = await cluster.s3().send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: s.bucket, Key: `${root}/runs/run-000001/summary.json` }));
    expect(await kept.Body?.transformToString()).toBe(planted);
    // The manifest of what did succeed is still written, last.
    expect(failed.manifestURI).toBe(`s3://${s.bucket}/${root}/manifest.json`);
  });

  it('two operators without leader election racing on one Experiment create one Job', async () => {
    await stopAll();
    await startOperator({ leaderElection: false, identity: 'racer-1' });
    await startOperator({ leaderElection: false, identity: 'racer-2' });
    await create(experiment('race'));
    const done = await waitStatus('race', 'Complete', (st) => st.phase === 'Complete');
    expect(done.runs?.succeeded).toBe(4);
    expect((await jobsOf('race')).length).toBe(1);
    await stopAll();
  });

  it('operator process killed with SIGKILL mid fan-out and restarted: one Job, Complete; serves health, readiness and metrics', async () => {
    const port = await freePort();
    const start = (): ChildProcess =>
      spawn(process.execPath, [join(repoRoot, 'operator/src/main.ts')], {
        env: {
          ...process.env,
          ...envFor(),
          KUBECONFIG: cluster.connection.kubeconfigPath,
          SWARMLAB_HTTP_HOST: '127.0.0.1',
          SWARMLAB_HTTP_PORT: String(port),
          SWARMLAB_S3_ENDPOINT: cluster.connection.objectStore.endpoint,
          AWS_ACCESS_KEY_ID: cluster.connection.objectStore.accessKeyId,
          AWS_SECRET_ACCESS_KEY: cluster.connection.objectStore.secretAccessKey,
          AWS_REGION: cluster.connection.objectStore.region,
          POD_NAME: 'killed-operator',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const first = start();
    await waitFor('the operator to be ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined));
    await create(experiment('killed'));
    await waitFor('a Job or a status', async () => ((await jobsOf('killed')).length > 0 || (await status('killed')) !== undefined ? true : undefined), { intervalMs: 20 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    const second = start();
    try {
      const done = await waitStatus('killed', 'Complete', (st) => st.phase === 'Complete');
      expect(done.runs?.succeeded).toBe(4);
      expect((await jobsOf('killed')).length).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: 'ready', role: 'leader' });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/swarmlab_experiments\{phase="Complete"\} [1-9]/);
      expect(metrics).toMatch(/swarmlab_leader 1/);
      const list = (await (await fetch(`http://127.0.0.1:${port}/api/v1/experiments`)).json()) as { items: { name: string; phase: string }[] };
      expect(list.items.find((i) => i.name === 'killed')?.phase).toBe('Complete');
      const one = (await (await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/${cluster.namespace}/experiments/killed`)).json()) as { manifest: { digest: string } };
      expect(one.manifest.digest).toBe(done.manifestDigest);
    } finally {
      second.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
      expect(code).toBe(0);
    }
  });
});
