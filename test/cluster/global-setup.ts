/**
 * Global setup of the `integration` vitest project: one control plane and one
 * MinIO for the whole run, shared by test files through provide/inject. Each
 * test file works in its own namespace (see useCluster in harness.ts) and
 * starts its own LocalKubeletStandIn scoped to that namespace.
 *
 * SWARMLAB_TEST_KUBECONFIG=<path>  use an existing cluster instead (kind, k3d, EKS)
 * SWARMLAB_TEST_S3_ENDPOINT (+ _ACCESS_KEY_ID, _SECRET_ACCESS_KEY, _BUCKET, _REGION)
 *                                  use an existing S3 store instead of a local MinIO
 * SWARMLAB_KEEP_CLUSTER_LOGS=1     keep logs even when every test passed
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ClusterConnection } from './context.ts';
import { startCluster, type LocalCluster } from './control-plane.ts';
import { objectStoreFromEnv, startObjectStore, type LocalObjectStore } from './object-store.ts';
import { binDir } from './versions.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bins = binDir();
  const started: Array<LocalCluster | LocalObjectStore> = [];
  let cluster: LocalCluster | undefined;
  let store: LocalObjectStore | undefined;
  const t0 = Date.now();
  try {
    const existing = process.env['SWARMLAB_TEST_KUBECONFIG'];
    let kubeconfigPath: string;
    let kubeconfigYaml: string;
    if (existing !== undefined && existing !== '') {
      kubeconfigPath = existing;
      kubeconfigYaml = readFileSync(existing, 'utf8');
      console.log(`[integration] using existing cluster from SWARMLAB_TEST_KUBECONFIG=${existing}`);
    } else {
      cluster = await startCluster({ binDir: bins });
      started.push(cluster);
      kubeconfigPath = cluster.kubeconfigPath;
      kubeconfigYaml = cluster.kubeconfigYaml;
      console.log(`[integration] local control plane at ${cluster.server}; logs in ${cluster.logDir}`);
    }
    const fromEnv = objectStoreFromEnv();
    if (fromEnv === undefined) {
      store = await startObjectStore({ binDir: bins });
      started.push(store);
      console.log(`[integration] MinIO at ${store.endpoint}, bucket ${store.bucket}; logs in ${store.logDir ?? '-'}`);
    }
    const objectStore = fromEnv ?? {
      endpoint: store?.endpoint ?? '',
      region: store?.region ?? '',
      accessKeyId: store?.accessKeyId ?? '',
      secretAccessKey: store?.secretAccessKey ?? '',
      bucket: store?.bucket ?? '',
      local: true,
    };
    const pinnedKubectl = join(bins, 'kubectl');
    const connection: ClusterConnection = {
      kubeconfigPath,
      kubeconfigYaml,
      localControlPlane: cluster !== undefined,
      kubectl: existsSync(pinnedKubectl) ? pinnedKubectl : 'kubectl',
      logDir: cluster?.logDir,
      objectStore,
    };
    project.provide('swarmlabCluster', connection);
    console.log(`[integration] cluster and store ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  } catch (err) {
    for (const s of started.reverse()) await s.stop({ keepLogs: true });
    throw err;
  }

  return async () => {
    const failed = project.vitest.state.getFailedFilepaths().length > 0 || project.vitest.state.getCountOfFailedTests() > 0;
    const keepLogs = failed || process.env['SWARMLAB_KEEP_CLUSTER_LOGS'] === '1';
    for (const s of started.reverse()) await s.stop({ keepLogs });
    if (keepLogs) {
      const dirs = [cluster?.logDir, store?.logDir].filter((d): d is string => d !== undefined);
      if (dirs.length > 0) console.log(`[integration] logs kept in ${dirs.join(' and ')}`);
    }
  };
}
