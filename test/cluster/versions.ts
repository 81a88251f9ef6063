import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface PinnedVersions {
  kubernetes: string;
  kubernetesStaging: string;
  etcd: string;
  minio: string;
  kubectlLayer: string;
  /** sigs.k8s.io/kueue: binary kueue-<version> and its manifests in kueue-<version>-config/ (test/cluster/kueue.ts). */
  kueue: string;
}

function readVersionsEnv(): Record<string, string> {
  const text = readFileSync(join(repoRoot, 'versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

export function pinnedVersions(): PinnedVersions {
  const env = readVersionsEnv();
  const get = (k: string): string => {
    const v = env[k];
    if (v === undefined || v === '') throw new Error(`versions.env: ${k} is not set`);
    return v;
  };
  return {
    kubernetes: get('KUBERNETES_VERSION'),
    kubernetesStaging: get('KUBERNETES_STAGING_VERSION'),
    etcd: get('ETCD_VERSION'),
    minio: get('MINIO_VERSION'),
    kubectlLayer: get('KUBECTL_LAYER_VERSION'),
    kueue: get('KUEUE_VERSION'),
  };
}

export const clusterBinaries = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'containerd',
  'containerd-shim-runc-v2',
  'ctr',
  'minio',
  'kubectl',
  'helm',
] as const;
export type ClusterBinary = (typeof clusterBinaries)[number];

/**
 * The directory holding the cluster binaries. build.sh owns the cache-key
 * logic, so ask it rather than duplicating the key here.
 * SWARMLAB_CLUSTER_BIN_DIR overrides (e.g. binaries installed some other way).
 */
export function binDir(): string {
  const override = process.env['SWARMLAB_CLUSTER_BIN_DIR'];
  if (override !== undefined && override !== '') return override;
  return execFileSync('bash', [join(repoRoot, 'scripts/cluster/build.sh'), '--print-bin-dir'], { encoding: 'utf8' }).trim();
}

export function binaryPath(name: ClusterBinary, dir: string = binDir()): string {
  const p = join(dir, name);
  if (!existsSync(p)) {
    throw new Error(`${p} does not exist: run scripts/cluster/build.sh first (see docs/local-cluster.md)`);
  }
  return p;
}
