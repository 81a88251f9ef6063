/**
 * The local node's network, made only of things the harness creates and
 * removes: a network namespace for the node (kubelet, containerd, kube-proxy,
 * the CNI bridge and kube-proxy's iptables chains all live in it) joined to the
 * host by a veth pair. The host end carries the address the API server and
 * MinIO listen on; the host gets one route, to the pod subnet, via that veth.
 * Nothing touches the VM's own interfaces, and there is no NAT: pods reach the
 * host end and nothing else.
 *
 * Several harnesses (CI beside an engineer's run) may run at once: each picks
 * its own /24 and its own names, and kube-proxy's chains stay in its namespace.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';

export interface NodeNetwork {
  /** Short random id in every name this network created. */
  id: string;
  /** Network namespace name (`ip netns`), mounted at /run/netns/<name>. */
  netns: string;
  netnsPath: string;
  /** Host end of the veth pair; hostIp is on it. */
  hostInterface: string;
  hostIp: string;
  /** Node end (inside the namespace): the kubelet's node IP. */
  nodeInterface: string;
  nodeIp: string;
  /** Pod subnet of the CNI bridge inside the namespace, and its gateway. */
  podCidr: string;
  podGateway: string;
  bridge: string;
  /** Removes the namespace (and with it the veth pair, the bridge, every pod veth and iptables chain in it) and the host route. */
  destroy(): void;
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')} failed: ${e.stderr?.trim() ?? e.message}`);
  }
}

const routesSchema = z.array(z.object({ dst: z.string() }));
const addrsSchema = z.array(z.object({ addr_info: z.array(z.object({ local: z.string(), prefixlen: z.number() })).default([]) }));

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function overlaps(a: string, b: string): boolean {
  const [an, al] = a.split('/') as [string, string | undefined];
  const [bn, bl] = b.split('/') as [string, string | undefined];
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(an) || !/^\d+\.\d+\.\d+\.\d+$/.test(bn)) return false;
  const len = Math.min(Number(al ?? 32), Number(bl ?? 32));
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((ipv4ToInt(an) & mask) >>> 0) === ((ipv4ToInt(bn) & mask) >>> 0);
}

/** A 10.x.y.0/24 no route or address of this machine touches (another harness's included). */
function pickSubnet(): string {
  const taken = [
    ...routesSchema.parse(JSON.parse(ip(['-j', '-4', 'route', 'show', 'table', 'all']))).map((r) => r.dst),
    ...addrsSchema.parse(JSON.parse(ip(['-j', '-4', 'addr']))).flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`)),
  ].filter((d) => d !== 'default');
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = `10.${randomInt(200, 250)}.${randomInt(0, 256)}.0/24`;
    if (!taken.some((t) => overlaps(t, candidate))) return candidate.split('/')[0] ?? '';
  }
  throw new Error('no free 10.200-249.x.0/24 subnet for the node network');
}

/**
 * `reach`: host addresses outside this network the node's pods must reach
 * (say, a MinIO listening on another node network's host end); each gets a
 * /32 route via this network's host end, nothing wider.
 */
export function createNodeNetwork(opts: { reach?: readonly string[] } = {}): NodeNetwork {
  const id = randomBytes(3).toString('hex');
  const netns = `swarmlab-${id}`;
  const hostInterface = `swlh-${id}`;
  const nodeInterface = `swln-${id}`;
  const base = pickSubnet().split('.').slice(0, 3).join('.');
  const net: Omit<NodeNetwork, 'destroy'> = {
    id,
    netns,
    netnsPath: `/run/netns/${netns}`,
    hostInterface,
    hostIp: `${base}.1`,
    nodeInterface,
    nodeIp: `${base}.2`,
    podCidr: `${base}.128/25`,
    podGateway: `${base}.129`,
    bridge: `swlb-${id}`,
  };
  const inNs = (args: string[]): string => ip(['-n', netns, ...args]);
  let destroyed = false;
  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    // Deleting the namespace deletes both veth ends; the route goes with the host end.
    try {
      ip(['netns', 'delete', netns]);
    } catch {
      // Already gone (a half-created network).
    }
    try {
      ip(['link', 'delete', hostInterface]);
    } catch {
      // Gone with the namespace.
    }
  };
  try {
    ip(['netns', 'add', netns]);
    ip(['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', nodeInterface, 'netns', netns]);
    ip(['addr', 'add', `${net.hostIp}/30`, 'dev', hostInterface]);
    ip(['link', 'set', hostInterface, 'up']);
    inNs(['addr', 'add', `${net.nodeIp}/30`, 'dev', nodeInterface]);
    inNs(['link', 'set', nodeInterface, 'up']);
    inNs(['link', 'set', 'lo', 'up']);
    // Pod subnet reached through the node; no default route anywhere in the namespace.
    ip(['route', 'add', net.podCidr, 'via', net.nodeIp, 'dev', hostInterface]);
    for (const address of opts.reach ?? []) inNs(['route', 'add', `${address}/32`, 'via', net.hostIp, 'dev', nodeInterface]);
    // Routing between the bridge and the veth happens inside the namespace (its own sysctl).
    execFileSync('nsenter', [`--net=${net.netnsPath}`, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], { stdio: 'pipe' });
  } catch (err) {
    destroy();
    throw err;
  }
  return { ...net, destroy };
}
