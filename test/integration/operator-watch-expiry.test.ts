// A watch that EXPIRES under the operator. On a control plane of its own with
// the watch cache off, watches read etcd directly; after an etcd compaction a
// re-watch from the operator's last resourceVersion gets 410 Gone for real.
// The operator must relist and go on reconciling what changed meanwhile.
// That control plane gets a real node of its own (its own network namespace),
// which runs the runner pods in the image built here.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OperatorConfig } from '../../operator/src/config.ts';
import { Controller } from '../../operator/src/controller/controller.ts';
import { OperatorMetrics } from '../../operator/src/http/metrics.ts';
import { ApiProxy, kubeConfigVia } from '../cluster/api-proxy.ts';
import type { ClusterConnection } from '../cluster/context.ts';
import { startCluster, type LocalCluster } from '../cluster/control-plane.ts';
import { startNode, type LocalNode } from '../cluster/node.ts';
import { createNodeNetwork, type NodeNetwork } from '../cluster/node-network.ts';
import { binDir } from '../cluster/versions.ts';
import { runKubectl, type TestCluster } from '../cluster/harness.ts';
import { s3ClientFor } from '../cluster/object-store.ts';
import { EXPERIMENTS, experimentStatus, prepareOperatorNamespace, queueExperiment, testStoreOpener, waitForPhase } from '../cluster/operator-fixture.ts';

const namespace = 'watch-expiry';
let own: LocalCluster;
let network: NodeNetwork | undefined;
let node: LocalNode | undefined;
let cluster: TestCluster;
let operator: Controller;
let custom: CustomObjectsApi;
const proxy = new ApiProxy();

async function etcd(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${own.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const status = (name: string) => experimentStatus(cluster, name);
const waitPhase = (name: string, phase: string) => waitForPhase(cluster, name, phase);

beforeAll(async () => {
  const shared = inject('swarmlabCluster');
  // Its pods use the shared MinIO, which listens on the main node network's host end.
  network = createNodeNetwork({ reach: [new URL(shared.objectStore.endpoint).hostname] });
  own = await startCluster({ apiserverArgs: ['--watch-cache=false'], bindAddress: network.hostIp });
  node = await startNode({
    dir: mkdtempSync(join(tmpdir(), 'swarmlab-node-')),
    binDir: binDir(),
    network,
    server: own.server,
    pki: own.pki,
    imageArchives: [shared.image.archive],
  });
  const connection: ClusterConnection = { ...shared, kubeconfigPath: own.kubeconfigPath, kubeconfigYaml: own.kubeconfigYaml, logDir: own.logDir, localControlPlane: true };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(own.kubeconfigYaml);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
  cluster = {
    connection,
    kubeConfig,
    core,
    batch: kubeConfig.makeApiClient(BatchV1Api),
    namespace,
    kubectl: (args, opts) => runKubectl(connection, args, opts),
    s3: () => s3ClientFor(connection.objectStore),
  };
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
  await prepareOperatorNamespace(cluster);
  const server = await proxy.start(own.server);
  const s = connection.objectStore;
  operator = new Controller({
    kubeConfig: kubeConfigVia(own.kubeconfigYaml, server),
    config: OperatorConfig.parse({
      namespace,
      workers: 2,
      runnerImage: shared.image.ref,
      runnerPullPolicy: 'Never',
      store: `s3://${s.bucket}/${namespace}-${Date.now()}`,
      runnerEnvSecret: 'store-credentials',
      runnerEnv: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region },
      leaderElection: false,
      // No periodic relist: only the informer's own recovery can bring what changed.
      resyncSeconds: 86_400,
    }),
    metrics: new OperatorMetrics(() => operator.counts(), { defaultMetrics: false }),
    openStore: testStoreOpener(connection),
    log: () => undefined,
  });
  await operator.start();
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await proxy.stop();
  await node?.stop();
  await own?.stop();
  network?.destroy();
}, 120_000);

describe('an expired watch (410 Gone)', () => {
  it('is recovered by relisting: an Experiment created while the watch was down and etcd was compacted completes', async () => {
    await custom.createNamespacedCustomObject({ ...EXPERIMENTS, namespace, body: queueExperiment('before') });
    const before = await waitPhase('before', 'Complete');
    expect(before.runs?.succeeded).toBe(4);
    const list = (await custom.listNamespacedCustomObject({ ...EXPERIMENTS, namespace })) as { metadata?: { resourceVersion?: string } };
    const oldVersion = list.metadata?.resourceVersion;
    expect(oldVersion).toMatch(/^\d+$/);

    // Cut the operator off, change things, and compact etcd past everything it has seen.
    proxy.refusing = true;
    expect(proxy.cut()).toBeGreaterThanOrEqual(2);
    await custom.createNamespacedCustomObject({ ...EXPERIMENTS, namespace, body: queueExperiment('during') });
    for (let i = 0; i < 5; i++) {
      await cluster.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `churn-${i}` }, data: { i: String(i) } } });
    }
    const range = await etcd('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
    const revision = (range.header as { revision: string }).revision;
    expect(Number(revision)).toBeGreaterThan(Number(oldVersion));
    await etcd('/v3/kv/compaction', { revision, physical: true });

    // The condition the operator meets on reconnecting: a watch from its last version is gone.
    const raw = await cluster.kubectl(['get', '--raw', `/apis/swarmlab.io/v1alpha1/namespaces/${namespace}/experiments?watch=1&resourceVersion=${oldVersion}&timeoutSeconds=1`]);
    expect(`${raw.stdout}${raw.stderr}`).toMatch(/"code":410/);
    expect((await status('during'))?.phase).toBeUndefined();

    proxy.refusing = false;
    const during = await waitPhase('during', 'Complete');
    expect(during.runs).toEqual({ total: 4, pending: 0, running: 0, succeeded: 4, failed: 0 });
  });
});
