import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { adminKubeconfigYaml, generatePki, issueCert, kubeconfigYaml as kubeconfigYamlFor, type ClusterPki } from './certs.ts';
import { freePort, ManagedProcess, probe, waitUntil } from './processes.ts';
import { binaryPath, binDir } from './versions.ts';

/** Controllers of kube-controller-manager we run: what Jobs, namespaces and pods with service accounts need. */
export const CONTROLLERS = [
  'job-controller',
  'garbage-collector-controller',
  'ttl-after-finished-controller',
  'namespace-controller',
  // Creates each namespace's `default` ServiceAccount, which tools such as helm expect.
  'serviceaccount-controller',
  // The token controller of the ServiceAccount admission plugin's pair.
  'serviceaccount-token-controller',
  // Publishes kube-root-ca.crt in every namespace: the projected service account volume reads it.
  'root-ca-certificate-publisher-controller',
  // Folds the chart's Experiment roles into the built-in admin, edit and view ClusterRoles.
  'clusterrole-aggregation-controller',
  // Deletes pods of a node that is gone and terminated pods past the threshold.
  'pod-garbage-collector-controller',
  // Lifts the node.kubernetes.io/not-ready taint a kubelet registers with, once the node is Ready.
  'node-lifecycle-controller',
  // The chart's operator Deployment, its PodDisruptionBudget and Service.
  'deployment-controller',
  'replicaset-controller',
  'disruption-controller',
  'endpointslice-controller',
] as const;

export interface StartClusterOptions {
  /** Where to keep data, certificates and logs; a fresh temp dir by default. */
  dir?: string;
  /** Directory with the binaries (default: the build.sh cache for the pinned versions). */
  binDir?: string;
  /** Readiness timeout per component. */
  timeoutMs?: number;
  /** Print progress to stderr. */
  verbose?: boolean;
  /** Extra kube-apiserver flags, e.g. `--watch-cache=false` so watches read etcd directly. */
  apiserverArgs?: readonly string[];
  /**
   * Address the API server listens on and advertises (default 127.0.0.1). A
   * real node needs one its pods can reach: the host end of its veth (node-network.ts).
   */
  bindAddress?: string;
}

export interface LocalCluster {
  /** Base directory: data, pki and logs/ live below it. */
  dir: string;
  logDir: string;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  kubeConfig: KubeConfig;
  server: string;
  etcdUrl: string;
  pki: ClusterPki;
  /** Stops the processes this harness started. Removes `dir` unless keepLogs is true (logs are kept then). */
  stop(opts?: { keepLogs?: boolean }): Promise<void>;
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler as
 * local processes on free ports (etcd and the controllers on loopback, the API
 * server on `bindAddress`). Pods stay Pending until a node joins (node.ts).
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<LocalCluster> {
  const bins = opts.binDir ?? binDir();
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'swarmlab-cluster-'));
  const logDir = join(dir, 'logs');
  const pkiDir = join(dir, 'pki');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(pkiDir, { recursive: true });
  const say = (msg: string): void => {
    if (opts.verbose === true) process.stderr.write(`[cluster] ${msg}\n`);
  };

  const started: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    // Reverse start order: controllers before the apiserver before etcd.
    for (const p of [...started].reverse()) await p.stop();
  };

  try {
    const bindAddress = opts.bindAddress ?? '127.0.0.1';
    const pki = generatePki(pkiDir, bindAddress === '127.0.0.1' ? [] : [bindAddress]);

    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort] = (await distinctPorts(5)) as [number, number, number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = new ManagedProcess(
      'etcd',
      binaryPath('etcd', bins),
      [
        '--name=swarmlab',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=swarmlab=http://127.0.0.1:${etcdPeer}`,
        // Test data is disposable; fsync dominates etcd latency on small VMs.
        '--unsafe-no-fsync',
        '--quota-backend-bytes=4294967296',
        '--log-level=warn',
      ],
      join(logDir, 'etcd.log'),
    );
    started.push(etcd);
    say(`etcd on ${etcdUrl}`);
    await waitUntil('etcd /health', async () => (await probe(`${etcdUrl}/health`)).status === 200, { timeoutMs, processes: [etcd] });

    const server = `https://${bindAddress}:${apiPort}`;
    const apiserver = new ManagedProcess(
      'kube-apiserver',
      binaryPath('kube-apiserver', bins),
      [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--secure-port=${apiPort}`,
        `--bind-address=${bindAddress}`,
        `--advertise-address=${bindAddress}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NodeRestriction',
        // `kubectl logs` and `exec`: the API server calls the kubelet, which checks this client and is checked against the CA.
        `--kubelet-client-certificate=${pki.adminCert}`,
        `--kubelet-client-key=${pki.adminKey}`,
        `--kubelet-certificate-authority=${pki.caCert}`,
        '--kubelet-preferred-address-types=InternalIP',
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        '--allow-privileged=true',
        '--profiling=false',
        '--v=1',
        ...(opts.apiserverArgs ?? []),
      ],
      join(logDir, 'kube-apiserver.log'),
    );
    started.push(apiserver);
    say(`kube-apiserver on ${server}`);
    const tlsOpts = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
    await waitUntil('kube-apiserver /readyz', async () => (await probe(`${server}/readyz`, tlsOpts)).status === 200, {
      timeoutMs,
      processes: [etcd, apiserver],
    });

    const kubeconfigYaml = adminKubeconfigYaml(pki, server);
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });

    const kcm = new ManagedProcess(
      'kube-controller-manager',
      binaryPath('kube-controller-manager', bins),
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--leader-elect=false',
        `--controllers=${CONTROLLERS.join(',')}`,
        `--secure-port=${kcmPort}`,
        '--bind-address=127.0.0.1',
        `--cert-dir=${join(dir, 'kcm-certs')}`,
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.caCert}`,
        '--use-service-account-credentials=false',
        '--profiling=false',
        // Faster than the defaults so tests see Job status within a second or two.
        '--concurrent-job-syncs=5',
        '--concurrent-gc-syncs=5',
        '--v=1',
      ],
      join(logDir, 'kube-controller-manager.log'),
    );
    started.push(kcm);
    say('kube-controller-manager starting');
    // kube-controller-manager serves a self-signed cert from --cert-dir; /healthz is always allowed.
    await waitUntil('kube-controller-manager /healthz', async () => (await probe(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true })).status === 200, {
      timeoutMs,
      processes: [etcd, apiserver, kcm],
    });

    const schedulerClient = issueCert(pkiDir, { name: 'kube-scheduler', cn: 'system:kube-scheduler', usage: 'client' });
    const schedulerKubeconfig = join(dir, 'kube-scheduler.kubeconfig');
    writeFileSync(schedulerKubeconfig, kubeconfigYamlFor(pki, server, schedulerClient), { mode: 0o600 });
    const scheduler = new ManagedProcess(
      'kube-scheduler',
      binaryPath('kube-scheduler', bins),
      [
        `--kubeconfig=${schedulerKubeconfig}`,
        `--authentication-kubeconfig=${schedulerKubeconfig}`,
        `--authorization-kubeconfig=${schedulerKubeconfig}`,
        '--leader-elect=false',
        `--secure-port=${schedPort}`,
        '--bind-address=127.0.0.1',
        '--profiling=false',
        '--v=1',
      ],
      join(logDir, 'kube-scheduler.log'),
    );
    started.push(scheduler);
    say('kube-scheduler starting');
    await waitUntil('kube-scheduler /healthz', async () => (await probe(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true })).status === 200, {
      timeoutMs,
      processes: [etcd, apiserver, kcm, scheduler],
    });

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kubeconfigYaml);
    say(`ready; logs in ${logDir}`);

    let stopped = false;
    return {
      dir,
      logDir,
      kubeconfigPath,
      kubeconfigYaml,
      kubeConfig,
      server,
      etcdUrl,
      pki,
      async stop(stopOpts = {}) {
        if (stopped) return;
        stopped = true;
        await stopAll();
        if (stopOpts.keepLogs === true) {
          rmSync(join(dir, 'etcd'), { recursive: true, force: true });
        } else if (opts.dir === undefined) {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await stopAll();
    throw new Error(`local control plane failed to start; logs kept in ${logDir}\n${(err as Error).message}`, { cause: err });
  }
}

/** `n` distinct free ports (freePort alone may hand out the same port twice in a row). */
export async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
