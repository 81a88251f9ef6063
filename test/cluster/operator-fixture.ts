// What every operator test file sets up in its namespace before it starts a
// controller: the generated Experiment CRD, the Secret runner pods read the
// object store credentials from, and S3 access for the operator itself. Runner
// pods run on the local node, in the swarmlab image built here.
import { join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect } from 'vitest';
import { OperatorConfig } from '../../operator/src/config.ts';
import { Controller, type ControllerOptions } from '../../operator/src/controller/controller.ts';
import { CRD_FILE } from '../../operator/src/crd/generate.ts';
import { OperatorMetrics } from '../../operator/src/http/metrics.ts';
import { ExperimentStatus, S3Store, type ObjectStore } from 'swarmlab';
import type { ClusterConnection } from './context.ts';
import { waitFor, type TestCluster } from './harness.ts';
import { repoRoot } from './versions.ts';

export const EXPERIMENTS = { group: 'swarmlab.io', version: 'v1alpha1', plural: 'experiments' } as const;
export const STORE_SECRET = 'store-credentials';

/** Applies the generated Experiment CRD (server-side) and waits until it is established. */
export async function installExperimentCrd(cluster: TestCluster): Promise<void> {
  const applied = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, CRD_FILE)]);
  expect(applied.code, applied.stderr).toBe(0);
  const established = await cluster.kubectl(['wait', '--for=condition=Established', 'crd/experiments.swarmlab.io', '--timeout=60s']);
  expect(established.code, established.stderr).toBe(0);
}

/**
 * CRD and store credentials Secret for this file's namespace; returns once
 * Experiments are served there (discovery can lag Established).
 */
export async function prepareOperatorNamespace(cluster: TestCluster): Promise<void> {
  await installExperimentCrd(cluster);
  const s = cluster.connection.objectStore;
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: { metadata: { name: STORE_SECRET }, stringData: { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey } },
  });
  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  await waitFor('experiments to be served', async () => {
    await custom.listNamespacedCustomObject({ ...EXPERIMENTS, namespace: cluster.namespace });
    return true;
  });
}

/**
 * The operator's openStore for s3:// URIs on the test store. `endpoint` is
 * read at each open, so a test can point it at a dead port to take the store down.
 */
export function testStoreOpener(conn: ClusterConnection, opts: { endpoint?: () => string; maxAttempts?: number } = {}): (uri: string) => ObjectStore {
  const s = conn.objectStore;
  return (uri) => {
    const u = new URL(uri);
    return new S3Store(
      { bucket: u.hostname, prefix: u.pathname.replace(/^\/+|\/+$/g, ''), endpoint: opts.endpoint?.() ?? s.endpoint, region: s.region },
      { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }, ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}) },
    );
  };
}

/** A small M/M/1 sweep (2 rates x 2 seeds by default) as an Experiment object to create. */
export function queueExperiment(name: string, over: { modules?: unknown[]; grid?: unknown[]; execution?: Record<string, unknown>; replicas?: number } = {}) {
  return {
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      scenario: {
        modules: over.modules ?? [
          { kind: 'network', module: 'explicit', name: 'topology', config: { nodes: ['source', 'server'], edges: [{ from: 'source', to: 'server', weight: 0.25 }] } },
          { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.5, target: 'server', network: 'topology' } },
          { kind: 'agent', module: 'service-queue', name: 'server', config: { servers: 1, serviceRate: 1.0, warmup: 10 } },
        ],
        latency: [{ name: 'transit', channel: 'arrival', model: 'edge', scale: 1 }],
        horizon: { time: 200 },
      },
      sweep: { seeds: { base: 7, replicas: over.replicas ?? 2 }, grid: over.grid ?? [{ param: 'arrivals.rate', values: [0.3, 0.6] }] },
      execution: { parallelism: 2, ...over.execution },
    },
  };
}

export async function createExperiment(cluster: TestCluster, body: unknown): Promise<void> {
  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  await custom.createNamespacedCustomObject({ ...EXPERIMENTS, namespace: cluster.namespace, body });
}

export async function experimentStatus(cluster: TestCluster, name: string): Promise<ExperimentStatus | undefined> {
  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const obj = (await custom.getNamespacedCustomObject({ ...EXPERIMENTS, namespace: cluster.namespace, name })) as { status?: unknown };
  return obj.status === undefined ? undefined : ExperimentStatus.parse(obj.status);
}

/**
 * Waits for a phase; on timeout the error carries the last status seen. The
 * default stays under the integration tests' 300 s timeout so that a stuck
 * Experiment fails with where it was stuck, not a bare test timeout.
 */
export async function waitForPhase(cluster: TestCluster, name: string, phase: string, timeoutMs = 200_000): Promise<ExperimentStatus> {
  let last: ExperimentStatus | undefined;
  try {
    return await waitFor(`${name} to be ${phase}`, async () => {
      last = await experimentStatus(cluster, name);
      return last?.phase === phase ? last : undefined;
    }, { timeoutMs, intervalMs: 300 });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last status: ${JSON.stringify(last)}`, { cause: e });
  }
}

export interface TestOperator {
  readonly controller: Controller;
  readonly metrics: OperatorMetrics;
  /** Every line the operator logged (printed too with SWARMLAB_TEST_OPERATOR_LOG=1). */
  readonly logs: string[];
  stop(): Promise<void>;
}

/**
 * An operator in this process for the test namespace, its runner pods using
 * the test store: configuration fields in `config` override the defaults.
 */
export async function startTestOperator(
  cluster: TestCluster,
  over: { config?: Record<string, unknown>; kubeConfig?: KubeConfig; openStore?: (uri: string) => ObjectStore; leaseTimings?: ControllerOptions['leaseTimings'] } = {},
): Promise<TestOperator> {
  const s = cluster.connection.objectStore;
  const { runnerEnv, ...rest } = (over.config ?? {}) as { runnerEnv?: Record<string, string> };
  const config = OperatorConfig.parse({
    namespace: cluster.namespace,
    workers: 2,
    // Imported into the node's containerd; there is no registry to pull from.
    runnerImage: cluster.connection.image.ref,
    runnerPullPolicy: 'Never',
    store: `s3://${s.bucket}/${cluster.namespace}`,
    runnerEnvSecret: STORE_SECRET,
    runnerEnv: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region, ...runnerEnv },
    leaderElection: false,
    resyncSeconds: 30,
    ...rest,
  });
  const logs: string[] = [];
  const metrics = new OperatorMetrics(() => controller.counts(), { defaultMetrics: false });
  const controller: Controller = new Controller({
    kubeConfig: over.kubeConfig ?? cluster.kubeConfig,
    config,
    metrics,
    openStore: over.openStore ?? testStoreOpener(cluster.connection),
    ...(over.leaseTimings ? { leaseTimings: over.leaseTimings } : {}),
    log: (m) => {
      logs.push(m);
      if (process.env['SWARMLAB_TEST_OPERATOR_LOG'] === '1') console.log(`[operator] ${m}`);
    },
  });
  await controller.start();
  return { controller, metrics, logs, stop: () => controller.stop() };
}

/**
 * For the enclosing describe (or file): the namespace prepared and an
 * operator started before its tests, both stopped after. `restart` swaps the
 * operator for one with other settings.
 */
export function useTestOperator(cluster: TestCluster): { restart(over?: Parameters<typeof startTestOperator>[1]): Promise<void>; current(): TestOperator } {
  let operator: TestOperator | undefined;
  beforeAll(async () => {
    await prepareOperatorNamespace(cluster);
    operator = await startTestOperator(cluster);
  });
  afterAll(async () => {
    await operator?.stop();
  });
  return {
    async restart(over) {
      await operator?.stop();
      operator = await startTestOperator(cluster, over);
    },
    current() {
      if (operator === undefined) throw new Error('the test operator is not started: use it inside a test');
      return operator;
    },
  };
}
