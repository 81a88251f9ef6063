/**
 * Global setup of the `integration` vitest project: one control plane, one
 * real node (containerd, kubelet, kube-proxy in their own network namespace)
 * with the swarmlab image built here imported into it, and one MinIO, shared
 * by test files through provide/inject. Each test file works in its own
 * namespace (see useCluster in harness.ts).
 *
 * SWARMLAB_TEST_KUBECONFIG=<path>  use an existing cluster instead (kind, k3d, EKS)
 * SWARMLAB_TEST_S3_ENDPOINT (+ _ACCESS_KEY_ID, _SECRET_ACCESS_KEY, _BUCKET, _REGION)
 *                                  use an existing S3 store instead of a local MinIO
 * SWARMLAB_KEEP_CLUSTER_LOGS=1     keep logs even when every test passed
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ClusterConnection } from './context.ts';
import { startCluster, type LocalCluster } from './control-plane.ts';
import { ensureImage } from './image.ts';
import { startNode, type LocalNode } from './node.ts';
import { createNodeNetwork, type NodeNetwork } from './node-network.ts';
import { objectStoreFromEnv, startObjectStore, type LocalObjectStore } from './object-store.ts';
import { binDir } from './versions.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bins = binDir();
  const started: Array<{ stop(opts?: { keepLogs?: boolean }): Promise<void> }> = [];
  let cluster: LocalCluster | undefined;
  let store: LocalObjectStore | undefined;
  let node: LocalNode | undefined;
  let network: NodeNetwork | undefined;
  const t0 = Date.now();
  try {
    const image = await ensureImage();
    console.log(`[integration] image ${image.chartRef} = ${image.ref} (${image.imageId.slice(0, 12)}) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const existing = process.env['SWARMLAB_TEST_KUBECONFIG'];
    let kubeconfigPath: string;
    let kubeconfigYaml: string;
    if (existing !== undefined && existing !== '') {
      kubeconfigPath = existing;
      kubeconfigYaml = readFileSync(existing, 'utf8');
      console.log(`[integration] using existing cluster from SWARMLAB_TEST_KUBECONFIG=${existing}`);
    } else {
      const net = createNodeNetwork();
      network = net;
      started.push({ stop: () => Promise.resolve(net.destroy()) });
      cluster = await startCluster({ binDir: bins, bindAddress: net.hostIp });
      started.push(cluster);
      kubeconfigPath = cluster.kubeconfigPath;
      kubeconfigYaml = cluster.kubeconfigYaml;
      console.log(`[integration] local control plane at ${cluster.server}; logs in ${cluster.logDir}`);
    }
    const fromEnv = objectStoreFromEnv();
    if (fromEnv === undefined) {
      store = await startObjectStore({ binDir: bins, bindAddress: network?.hostIp });
      started.push(store);
      console.log(`[integration] MinIO at ${store.endpoint}, bucket ${store.bucket}; logs in ${store.logDir ?? '-'}`);
    }
    if (cluster !== undefined && network !== undefined) {
      node = await startNode({
        dir: mkdtempSync(join(tmpdir(), 'swarmlab-node-')),
        binDir: bins,
        network,
        server: cluster.server,
        pki: cluster.pki,
        imageArchives: [image.archive],
      });
      started.push(node);
      console.log(`[integration] node ${node.name} Ready; logs in ${node.logDir}`);
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
      nodeLogDir: node?.logDir,
      nodeImages: node === undefined ? undefined : { ctr: join(bins, 'ctr'), containerdAddress: node.containerdAddress },
      image: { ref: image.chartRef, id: image.imageId, archive: image.archive },
      localPki: cluster !== undefined && network !== undefined ? { dir: cluster.pki.dir, caCert: cluster.pki.caCert, hostIp: network.hostIp } : undefined,
      objectStore,
    };
    project.provide('swarmlabCluster', connection);
    console.log(`[integration] cluster and store ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  } catch (err) {
    await stopAll(started, true);
    throw err;
  }

  return async () => {
    const failed = project.vitest.state.getFailedFilepaths().length > 0 || project.vitest.state.getCountOfFailedTests() > 0;
    const keepLogs = failed || process.env['SWARMLAB_KEEP_CLUSTER_LOGS'] === '1';
    await stopAll(started, keepLogs);
    if (keepLogs) {
      const dirs = [cluster?.logDir, node?.logDir, store?.logDir].filter((d): d is string => d !== undefined);
      if (dirs.length > 0) console.log(`[integration] logs kept in ${dirs.join(' and ')}`);
    }
  };
}

/** Stops in reverse start order; one failing stop (say, a leftover mount) still lets the others run, then is reported. */
async function stopAll(started: Array<{ stop(opts?: { keepLogs?: boolean }): Promise<void> }>, keepLogs: boolean): Promise<void> {
  const errors: string[] = [];
  for (const s of [...started].reverse()) {
    try {
      await s.stop({ keepLogs });
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length > 0) throw new Error(`stopping the local cluster left problems:\n${errors.join('\n')}`);
}
