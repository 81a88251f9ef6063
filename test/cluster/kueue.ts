/**
 * Kueue (sigs.k8s.io/kueue, built by scripts/cluster/build.sh) as a host
 * process beside kube-controller-manager, for the test files that need it:
 * `useKueue(cluster)` starts it in beforeAll and removes it in afterAll, so
 * other test files pay nothing.
 *
 * - Its CRDs (the module's config/components/crd/bases, conversion None: the
 *   tests and the operator use v1beta2, the stored version) are applied
 *   server-side and left installed; they are inert without Kueue.
 * - Its webhooks are reached by URL on the host address the API server
 *   already uses (the node network's host end), with a serving certificate
 *   from the cluster CA (certs.ts); Kueue's internal cert management is off.
 *   Only the webhooks of batch/v1 Jobs (scoped to the test's namespace) and
 *   of Kueue's own types are installed, so no other test's pods or Jobs go
 *   through a webhook, and they are deleted before Kueue stops.
 * - With internal cert management off, Kueue v0.17 reads its metrics
 *   certificate from the fixed path /etc/kueue/metrics/certs: it runs in its
 *   own mount namespace with an overlay on /etc, so the host's /etc is never
 *   written.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { issueCert } from './certs.ts';
import type { ClusterConnection } from './context.ts';
import { runKubectl, type TestCluster } from './harness.ts';
import { distinctPorts } from './control-plane.ts';
import { ManagedProcess, probe, waitUntil } from './processes.ts';
import { binDir, pinnedVersions } from './versions.ts';

export interface LocalKueue {
  logFile: string;
  stop(): Promise<void>;
}

/** Webhooks installed: Kueue's own types, and batch/v1 Jobs (the only integration enabled). */
function wanted(path: string): boolean {
  return path.startsWith('/mutate-kueue-x-k8s-io-') || path.startsWith('/validate-kueue-x-k8s-io-') || path === '/mutate-batch-v1-job' || path === '/validate-batch-v1-job';
}

interface WebhookDoc {
  kind: string;
  metadata: { name: string };
  webhooks?: Array<{ clientConfig: { service?: { path?: string }; url?: string; caBundle?: string }; namespaceSelector?: unknown; rules?: Array<{ resources?: string[] }> }>;
}

/** Kueue's webhook configurations pointed at `base` by URL, trimmed to what this cluster uses, Job webhooks scoped to `namespace`. */
export function webhookConfigurations(manifest: string, base: string, caBundle: string, namespace: string, suffix: string): WebhookDoc[] {
  const out: WebhookDoc[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as WebhookDoc | null;
    if (obj === null) continue;
    const webhooks = (obj.webhooks ?? [])
      .filter((w) => wanted(w.clientConfig.service?.path ?? ''))
      .map((w) => {
        const path = w.clientConfig.service?.path ?? '';
        const forJobs = path.endsWith('-batch-v1-job');
        return {
          ...w,
          clientConfig: { url: `${base}${path}`, caBundle },
          ...(forJobs ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } : {}),
        };
      });
    out.push({ ...obj, metadata: { name: `kueue-${obj.metadata.name}-${suffix}` }, webhooks });
  }
  return out;
}

async function kubectlOk(conn: ClusterConnection, args: string[], input?: string): Promise<string> {
  const r = await runKubectl(conn, args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Starts Kueue against the local control plane; its Job webhooks act in `namespace` only. */
export async function startKueue(conn: ClusterConnection, namespace: string, opts: { timeoutMs?: number } = {}): Promise<LocalKueue> {
  const pki = conn.localPki;
  if (pki === undefined) throw new Error('Kueue runs only on the harness\'s own control plane (not with SWARMLAB_TEST_KUBECONFIG): install Kueue in that cluster instead');
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const version = pinnedVersions().kueue;
  const bins = binDir();
  const binary = join(bins, `kueue-${version}`);
  const config = join(bins, `kueue-${version}-config`);
  if (!existsSync(binary) || !existsSync(join(config, 'webhooks.yaml'))) throw new Error(`${binary} or ${config} is missing: run scripts/cluster/build.sh`);

  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-kueue-'));
  const suffix = randomBytes(3).toString('hex');
  const certDir = join(dir, 'certs');
  mkdirSync(certDir);
  const issued = issueCert(pki.dir, { name: `kueue-${suffix}`, cn: 'kueue-webhook', usage: 'server', ips: [pki.hostIp, '127.0.0.1'] });
  copyFileSync(issued.cert, join(certDir, 'tls.crt'));
  copyFileSync(issued.key, join(certDir, 'tls.key'));
  const caBundle = readFileSync(pki.caCert).toString('base64');

  for (const f of readdirSync(join(config, 'crds')).sort()) {
    await kubectlOk(conn, ['apply', '--server-side', '--force-conflicts', '-f', join(config, 'crds', f)]);
  }
  await kubectlOk(conn, ['wait', '--for=condition=Established', '--timeout=60s', ...readdirSync(join(config, 'crds')).map((f) => `crd/${f.replace(/^kueue\.x-k8s\.io_/, '').replace(/\.yaml$/, '')}.kueue.x-k8s.io`)]);
  await kubectlOk(conn, ['apply', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kueue-system' } }));

  const [webhookPort, healthPort] = (await distinctPorts(2)) as [number, number];
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    stringify({
      apiVersion: 'config.kueue.x-k8s.io/v1beta2',
      kind: 'Configuration',
      namespace: 'kueue-system',
      health: { healthProbeBindAddress: `127.0.0.1:${healthPort}` },
      metrics: { bindAddress: '0' },
      webhook: { port: webhookPort, host: pki.hostIp, certDir },
      leaderElection: { leaderElect: false },
      internalCertManagement: { enable: false },
      manageJobsWithoutQueueName: false,
      integrations: { frameworks: ['batch/job'] },
    }),
  );
  // The overlay's upper layer on a tmpfs of the namespace's own: it works whatever filesystem the temp dir is on, and vanishes with Kueue.
  const layer = join(dir, 'etc-overlay');
  mkdirSync(layer);
  const script = [
    'set -e',
    `mount -t tmpfs tmpfs ${layer}`,
    `mkdir ${layer}/upper ${layer}/work`,
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${layer}/upper,workdir=${layer}/work /etc`,
    'mkdir -p /etc/kueue/metrics/certs',
    `cp ${join(certDir, 'tls.crt')} ${join(certDir, 'tls.key')} /etc/kueue/metrics/certs/`,
    'exec "$@"',
  ].join('; ');
  const logFile = join(conn.logDir ?? dir, `kueue-${suffix}.log`);
  const proc = new ManagedProcess(
    'kueue',
    'unshare',
    ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', binary, `--config=${configFile}`, '--feature-gates=VisibilityOnDemand=false', '--zap-log-level=2'],
    logFile,
    { ...process.env, KUBECONFIG: conn.kubeconfigPath },
  );
  const webhookNames: string[] = [];
  const stop = async (): Promise<void> => {
    for (const name of webhookNames) {
      const kind = name.startsWith('kueue-mutating') ? 'mutatingwebhookconfiguration' : 'validatingwebhookconfiguration';
      await runKubectl(conn, ['delete', kind, name, '--ignore-not-found']);
    }
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('kueue /readyz', async () => (await probe(`http://127.0.0.1:${healthPort}/readyz`)).status === 200, { timeoutMs, processes: [proc] });
    const configs = webhookConfigurations(readFileSync(join(config, 'webhooks.yaml'), 'utf8'), `https://${pki.hostIp}:${webhookPort}`, caBundle, namespace, suffix);
    for (const c of configs) {
      await kubectlOk(conn, ['apply', '-f', '-'], stringify(c));
      webhookNames.push(c.metadata.name);
    }
    // The webhooks answer: a dry-run ResourceFlavor goes through Kueue's mutating and validating webhooks.
    const flavor = stringify({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: `probe-${suffix}` } });
    await waitUntil('Kueue webhooks reachable from the API server', async () => (await runKubectl(conn, ['apply', '--dry-run=server', '-f', '-'], { input: flavor })).code === 0, { timeoutMs, processes: [proc] });
    return { logFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Registers beforeAll/afterAll hooks that run Kueue for this test file (call
 * after useCluster: its namespace exists by then, and Kueue stops before the
 * namespace is deleted). `cleanup` runs first in afterAll, while Kueue still
 * runs, so Workload finalizers are released before it stops.
 */
export function useKueue(cluster: TestCluster, cleanup: () => Promise<void> = () => Promise.resolve()): { readonly logFile: string } {
  let kueue: LocalKueue | undefined;
  beforeAll(async () => {
    kueue = await startKueue(cluster.connection, cluster.namespace);
  }, 240_000);
  afterAll(async () => {
    try {
      await cleanup();
    } finally {
      await kueue?.stop();
    }
  }, 120_000);
  return {
    get logFile() {
      return kueue?.logFile ?? '';
    },
  };
}
