/**
 * The chart installed in a test file's namespace the way a user installs it:
 * the operator a pod on the local node (the image built here, or one derived
 * from it), runner pods running the same image, results in the test store.
 * Namespaced scope, so this release acts on its own namespace only and test
 * files cannot take each other's Experiments.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { chartDir, helm } from '../unit/helm-render.ts';
import type { TestCluster } from './harness.ts';
import { installExperimentCrd, STORE_SECRET } from './operator-fixture.ts';

export interface ChartRelease {
  readonly name: string;
  /** Label selector of the release's operator pods. */
  readonly operatorPods: string;
  uninstall(): void;
}

/** Installs the chart and waits for its operator to roll out; the error carries the pods' description when it does not. */
export async function installChart(cluster: TestCluster, opts: { release: string; image?: { repository: string; tag: string } }): Promise<ChartRelease> {
  const work = mkdtempSync(join(tmpdir(), `swarmlab-chart-${opts.release}-`));
  const env = { KUBECONFIG: cluster.connection.kubeconfigPath, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
  const s = cluster.connection.objectStore;
  await installExperimentCrd(cluster);
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: { metadata: { name: STORE_SECRET }, stringData: { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey } },
  });
  const [repository, tag] = cluster.connection.image.ref.split(/:(?=[^:]+$)/) as [string, string];
  const storeEnv = { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region };
  const values = {
    rbac: { scope: 'namespaced' },
    crds: { install: false },
    operator: { replicas: 1, image: { ...(opts.image ?? { repository, tag }), pullPolicy: 'Never' }, env: storeEnv, envSecret: STORE_SECRET },
    runner: { image: { pullPolicy: 'Never' }, env: storeEnv, envSecret: STORE_SECRET, defaultParallelism: 2 },
    store: { uri: `s3://${s.bucket}/${cluster.namespace}` },
  };
  writeFileSync(join(work, 'values.yaml'), stringify(values));
  const installed = helm(['install', opts.release, chartDir, '-n', cluster.namespace, '--values', join(work, 'values.yaml'), '--timeout', '60s'], env);
  if (installed.code !== 0) throw new Error(`helm install ${opts.release}: ${installed.stderr}`);
  const rollout = await cluster.kubectl(['rollout', 'status', `deployment/${opts.release}-swarmlab`, '-n', cluster.namespace, '--timeout=180s']);
  if (rollout.code !== 0) throw new Error(`the operator of ${opts.release} did not roll out: ${rollout.stderr}\n${(await cluster.kubectl(['describe', 'pods', '-n', cluster.namespace])).stdout}`);
  return {
    name: opts.release,
    operatorPods: `app.kubernetes.io/instance=${opts.release},app.kubernetes.io/component=operator`,
    uninstall() {
      helm(['uninstall', opts.release, '-n', cluster.namespace, '--ignore-not-found'], env);
      rmSync(work, { recursive: true, force: true });
    },
  };
}
