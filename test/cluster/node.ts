/**
 * A real Kubernetes node for the local control plane: containerd with runc
 * and the CNI bridge, the kubelet and kube-proxy, all inside the node's own
 * network namespace (node-network.ts). Pods are real containers: images come
 * from OCI archives imported into this containerd, limits, the user, the
 * read-only root file system, OOM kills, evictions and exit codes are the
 * kernel's and the kubelet's.
 *
 * Everything it creates is under its directory, its network namespace, its
 * cgroup root (/swarmlab-<id> in each cgroup v1 hierarchy) and the kernel
 * settings the kubelet writes (restored by node-host.ts); stop() removes all of it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { issueCert, kubeconfigYaml, type ClusterPki } from './certs.ts';
import { cgroupV1Hierarchies, createCgroupRoot, holdMachineState, removeContainerLogLinks, unmountUnder } from './node-host.ts';
import type { NodeNetwork } from './node-network.ts';
import { ManagedProcess, tail, waitUntil } from './processes.ts';

/** Where Debian's containernetworking-plugins and runc put their binaries. */
export const CNI_BIN_DIR = '/usr/lib/cni';
export const RUNC = '/usr/sbin/runc';
export const PAUSE_IMAGE = 'localhost/swarmlab/pause:3.10.1';

export interface StartNodeOptions {
  /** Base directory: containerd and kubelet state, configs, logs/. */
  dir: string;
  binDir: string;
  network: NodeNetwork;
  /** The control plane the node joins. */
  server: string;
  pki: ClusterPki;
  /** OCI archives to import into containerd's k8s.io namespace (tagged as in the archive). */
  imageArchives: readonly string[];
  timeoutMs?: number;
  verbose?: boolean;
}

export interface LocalNode {
  name: string;
  dir: string;
  logDir: string;
  /** containerd's socket (for `ctr --address`). */
  containerdAddress: string;
  stop(opts?: { keepLogs?: boolean }): Promise<void>;
}

/** Names what this machine lacks for a real node; empty when it has everything. */
export function missingNodePrerequisites(binDir: string): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push(`Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0) missing.push('root (containerd, the kubelet and the node network need it)');
  for (const b of ['kubelet', 'kube-proxy', 'containerd', 'containerd-shim-runc-v2', 'ctr', 'pause.oci.tar']) {
    if (!existsSync(join(binDir, b))) missing.push(`${join(binDir, b)} (run scripts/cluster/build.sh)`);
  }
  if (!existsSync(RUNC)) missing.push(`${RUNC} (apt-get install runc)`);
  for (const p of ['bridge', 'host-local', 'loopback']) {
    if (!existsSync(join(CNI_BIN_DIR, p))) missing.push(`${join(CNI_BIN_DIR, p)} (apt-get install containernetworking-plugins)`);
  }
  for (const tool of ['ip', 'iptables', 'nsenter', 'umount']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      missing.push(`${tool} on PATH (apt-get install iproute2 iptables util-linux)`);
    }
  }
  if (process.platform === 'linux' && cgroupV1Hierarchies().length === 0) {
    missing.push('cgroup v1 hierarchies under /sys/fs/cgroup (this harness pins Kubernetes settings for a cgroup v1 host; see docs/local-cluster.md)');
  }
  return missing;
}

function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function containerdConfig(dir: string): string {
  // containerd 2.x (config version 3). Every path is under `dir`; NRI and the
  // opt plugin, which would use machine-wide paths, are off.
  return `version = 3
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.internal.v1.opt", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${dir}/containerd/containerd.sock"

[ttrpc]
  address = "${dir}/containerd/containerd.sock.ttrpc"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "${PAUSE_IMAGE}"

[plugins."io.containerd.cri.v1.runtime"]
  # Sandboxes ask for oom_score_adj -998 and Guaranteed pods -997; lowering it
  # needs CAP_SYS_RESOURCE, which this kind of VM does not grant.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["${CNI_BIN_DIR}"]
    conf_dir = "${dir}/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "${RUNC}"
        Root = "${dir}/runc"
        SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}

function cniConfig(dir: string, net: NodeNetwork): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: `swarmlab-${net.id}`,
      plugins: [
        {
          type: 'bridge',
          bridge: net.bridge,
          isGateway: true,
          isDefaultGateway: true,
          // No NAT: pods talk to the host end of the node's veth, which routes the pod subnet back.
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: net.podCidr, gateway: net.podGateway }]], dataDir: join(dir, 'cni', 'ipam') },
        },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(dir: string, net: NodeNetwork, pki: ClusterPki, cgroupRoot: string, serving: { cert: string; key: string }): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This VM's cgroups are v1 (hybrid); Kubernetes 1.35 refuses them unless told.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: ${cgroupRoot}
failSwapOn: false
# Lowering its own oom_score_adj needs CAP_SYS_RESOURCE.
oomScoreAdj: 0
containerRuntimeEndpoint: unix://${dir}/containerd/containerd.sock
podLogsDir: ${dir}/pod-logs
volumePluginDir: ${dir}/kubelet-plugins
address: ${net.nodeIp}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${serving.cert}
tlsPrivateKeyFile: ${serving.key}
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: ${pki.caCert} }
authorization:
  mode: Webhook
# No cluster DNS: pods use the node's resolv.conf (an empty one: there is no outside).
resolvConf: ${dir}/resolv.conf
# Imported images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
registerNode: true
syncFrequency: 10s
nodeStatusUpdateFrequency: 5s
serializeImagePulls: false
`;
}

function kubeProxyConfig(dir: string, net: NodeNetwork, nodeName: string): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: ${dir}/kube-proxy.kubeconfig
hostnameOverride: ${nodeName}
clusterCIDR: ${net.podCidr}
bindAddress: ${net.nodeIp}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Zero leaves the machine-wide conntrack settings alone.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s }
oomScoreAdj: 0
iptables: { localhostNodePorts: false }
`;
}

/** Starts containerd, imports the images, starts the kubelet and kube-proxy, and waits until the node is Ready. */
export async function startNode(opts: StartNodeOptions): Promise<LocalNode> {
  const missing = missingNodePrerequisites(opts.binDir);
  if (missing.length > 0) throw new Error(`cannot start a local node; missing:\n  - ${missing.join('\n  - ')}`);
  const { dir, network: net, pki } = opts;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const say = (msg: string): void => {
    if (opts.verbose === true) process.stderr.write(`[node] ${msg}\n`);
  };
  const name = `swarmlab-node-${net.id}`;
  const logDir = join(dir, 'logs');
  for (const d of [logDir, join(dir, 'cni', 'net.d'), join(dir, 'containerd'), join(dir, 'kubelet'), join(dir, 'pod-logs')]) mkdirSync(d, { recursive: true });
  const address = join(dir, 'containerd', 'containerd.sock');
  const bin = (b: string): string => join(opts.binDir, b);
  const inNetns = (b: string): [string, string[]] => ['nsenter', [`--net=${net.netnsPath}`, '--', b]];
  const env = { ...process.env, PATH: `${opts.binDir}:${process.env['PATH'] ?? ''}` };

  const started: ManagedProcess[] = [];
  const machine = holdMachineState(net.id);
  const cgroup = createCgroupRoot(`swarmlab-${net.id}`);

  const cleanUp = async (): Promise<string[]> => {
    const problems: string[] = [];
    // The kubelet first, so it restarts nothing while the containers go.
    for (const p of [...started].reverse().filter((x) => x.name !== 'containerd')) await p.stop(10_000);
    await killContainers(dir).catch((e: unknown) => problems.push(`containers: ${(e as Error).message}`));
    for (const p of started.filter((x) => x.name === 'containerd')) await p.stop(10_000);
    killShims(address);
    try {
      cgroup.remove();
    } catch (e) {
      problems.push((e as Error).message);
    }
    const stuck = unmountUnder(dir);
    if (stuck.length > 0) problems.push(`could not unmount: ${stuck.join(', ')}`);
    removeContainerLogLinks(join(dir, 'pod-logs'));
    machine.release();
    return problems;
  };

  try {
    // --- certificates and kubeconfigs
    const nodeClient = issueCert(pki.dir, { name: `node-${net.id}`, cn: `system:node:${name}`, groups: ['system:nodes'], usage: 'client' });
    const kubeletServing = issueCert(pki.dir, { name: `kubelet-serving-${net.id}`, cn: name, usage: 'server', ips: [net.nodeIp], dnsNames: [name] });
    const proxyClient = issueCert(pki.dir, { name: `kube-proxy-${net.id}`, cn: 'system:kube-proxy', usage: 'client' });
    writeFileSync(join(dir, 'kubelet.kubeconfig'), kubeconfigYaml(pki, opts.server, nodeClient), { mode: 0o600 });
    writeFileSync(join(dir, 'kube-proxy.kubeconfig'), kubeconfigYaml(pki, opts.server, proxyClient), { mode: 0o600 });
    writeFileSync(join(dir, 'resolv.conf'), '');

    // --- containerd
    writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir));
    writeFileSync(join(dir, 'cni', 'net.d', '10-swarmlab.conflist'), cniConfig(dir, net));
    const [nsenter, nsArgs] = inNetns(bin('containerd'));
    const containerd = new ManagedProcess('containerd', nsenter, [...nsArgs, '--config', join(dir, 'containerd.toml'), '--log-level', 'info'], join(logDir, 'containerd.log'), env);
    started.push(containerd);
    say(`containerd on ${address}`);
    await waitUntil('containerd socket', async () => {
      try {
        await run(bin('ctr'), ['--address', address, 'version'], { timeoutMs: 5000 });
        return true;
      } catch {
        return false;
      }
    }, { timeoutMs, processes: [containerd] });

    for (const archive of [join(opts.binDir, 'pause.oci.tar'), ...opts.imageArchives]) {
      say(`importing ${archive}`);
      await run(bin('ctr'), ['--address', address, '-n', 'k8s.io', 'images', 'import', '--local', archive], { timeoutMs: 300_000 });
    }

    // --- kubelet
    writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(dir, net, pki, cgroup.path, kubeletServing));
    const [ns2, ns2Args] = inNetns(bin('kubelet'));
    const kubelet = new ManagedProcess(
      'kubelet',
      ns2,
      [
        ...ns2Args,
        `--config=${join(dir, 'kubelet.yaml')}`,
        `--kubeconfig=${join(dir, 'kubelet.kubeconfig')}`,
        `--root-dir=${join(dir, 'kubelet')}`,
        `--hostname-override=${name}`,
        `--node-ip=${net.nodeIp}`,
        '--v=2',
      ],
      join(logDir, 'kubelet.log'),
      env,
    );
    started.push(kubelet);
    say(`kubelet for node ${name} (${net.nodeIp})`);

    // --- kube-proxy
    writeFileSync(join(dir, 'kube-proxy.yaml'), kubeProxyConfig(dir, net, name));
    const [ns3, ns3Args] = inNetns(bin('kube-proxy'));
    const proxy = new ManagedProcess('kube-proxy', ns3, [...ns3Args, `--config=${join(dir, 'kube-proxy.yaml')}`, '--v=2'], join(logDir, 'kube-proxy.log'), env);
    started.push(proxy);

    const kc = new KubeConfig();
    kc.loadFromString(readFileSync(join(dir, 'kubelet.kubeconfig'), 'utf8'));
    const core = kc.makeApiClient(CoreV1Api);
    await waitUntil(`node ${name} Ready`, async () => {
      try {
        const node = await core.readNode({ name });
        // Schedulable too: the node lifecycle controller lifts the not-ready taint the kubelet registers with.
        const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
        return ready && (node.spec?.taints ?? []).length === 0;
      } catch {
        return false;
      }
    }, { timeoutMs, intervalMs: 500, processes: [containerd, kubelet, proxy] });
    // Pods reach the API server through the `kubernetes` Service: wait until kube-proxy has programmed it.
    await waitUntil('kube-proxy rules for the kubernetes Service', async () => {
      const rules = await run('nsenter', [`--net=${net.netnsPath}`, '--', 'iptables', '-t', 'nat', '-S', 'KUBE-SERVICES']).catch(() => '');
      return rules.includes('default/kubernetes:https');
    }, { timeoutMs, intervalMs: 500, processes: [proxy] });
    say(`node ${name} Ready; logs in ${logDir}`);

    let stopped = false;
    return {
      name,
      dir,
      logDir,
      containerdAddress: address,
      async stop(stopOpts = {}) {
        if (stopped) return;
        stopped = true;
        const problems = await cleanUp();
        if (stopOpts.keepLogs === true) {
          for (const entry of readdirSync(dir)) if (entry !== 'logs' && entry !== 'pod-logs') rmSync(join(dir, entry), { recursive: true, force: true });
        } else {
          rmSync(dir, { recursive: true, force: true });
        }
        if (problems.length > 0) throw new Error(`node ${name} stopped with leftovers:\n  - ${problems.join('\n  - ')}`);
      },
    };
  } catch (err) {
    const problems = await cleanUp();
    const logs = started.map((p) => `--- ${p.name} (${p.logFile}):\n${tail(p.logFile, 25)}`).join('\n');
    throw new Error(`local node failed to start; logs kept in ${logDir}\n${(err as Error).message}\n${logs}${problems.length > 0 ? `\nleftovers: ${problems.join('; ')}` : ''}`, { cause: err });
  }
}

/** SIGKILLs and deletes every container this node's runc knows (runc's root is under `dir`). */
async function killContainers(dir: string): Promise<void> {
  const root = join(dir, 'runc', 'k8s.io');
  if (!existsSync(root)) return;
  const ids = (await run(RUNC, ['--root', root, 'list', '-q'])).split('\n').filter((l) => l !== '');
  for (const id of ids) {
    await run(RUNC, ['--root', root, 'kill', '--all', id, 'KILL']).catch(() => undefined);
    await run(RUNC, ['--root', root, 'delete', '--force', id]).catch(() => undefined);
  }
}

/** SIGKILLs the runc shims of this node's containerd (they outlive it by design), found by its socket in their command line. */
function killShims(address: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.startsWith('containerd-shim') || cmdline.includes('/containerd-shim-runc-v2\0')) {
      if (cmdline.split('\0').includes(address)) {
        try {
          process.kill(Number(entry), 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    }
  }
}
