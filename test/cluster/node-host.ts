/**
 * What the local node changes on the machine outside its own directory and
 * network namespace, and how each is put back: kernel settings the kubelet
 * writes, the cgroup root its pods live under, and the mounts it and
 * containerd leave.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Global (not per network namespace) settings the kubelet's container manager
 * sets at start (pkg/kubelet/cm: setupKernelTunables), with its default
 * protectKernelDefaults=false.
 */
export const KUBELET_KERNEL_SETTINGS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
] as const;

/**
 * Machine-wide paths the kubelet and containerd create whatever they are
 * configured with (the kubelet's device plugin socket and container log
 * links, the CNI result cache, the runc shims' socket directory). Those that
 * did not exist before the first node started are removed after the last one
 * stops.
 */
export const MACHINE_PATHS = ['/var/lib/kubelet', '/var/log/containers', '/var/lib/cni', '/run/containerd'] as const;

const registryDir = '/run/swarmlab-node';
const originalsFile = join(registryDir, 'machine-state.json');
const holdersDir = join(registryDir, 'holders');
const originalsSchema = z.object({ kernel: z.record(z.string(), z.string()), absentPaths: z.array(z.string()) });
type Originals = z.infer<typeof originalsSchema>;

function withRegistryLock<T>(fn: () => T): T {
  // mkdir is atomic: a cheap lock between harnesses on one machine.
  const lock = join(registryDir, 'lock');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(registryDir, { recursive: true });
      mkdirSync(lock);
      mkdirSync(holdersDir, { recursive: true });
      break;
    } catch {
      if (Date.now() > deadline) {
        // A holder killed mid-update; the lock is older than any real update.
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      execFileSync('sleep', ['0.05']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readOriginals(): Originals | undefined {
  return existsSync(originalsFile) ? originalsSchema.parse(JSON.parse(readFileSync(originalsFile, 'utf8'))) : undefined;
}

/**
 * Records the kernel settings and which MACHINE_PATHS exist before the first
 * node on this machine starts. Several nodes may run at once (each a harness
 * process); the state is restored when the last of them stops, so one node
 * stopping never changes it under another. A harness killed before it could
 * restore leaves its record, and the next one to stop restores it.
 */
export function holdMachineState(holder: string): { release(): void } {
  const file = join(holdersDir, `${process.pid}-${holder}`);
  withRegistryLock(() => {
    if (readOriginals() === undefined) {
      const kernel: Record<string, string> = {};
      for (const k of KUBELET_KERNEL_SETTINGS) kernel[k] = readFileSync(`/proc/sys/${k}`, 'utf8').trim();
      const absentPaths = MACHINE_PATHS.filter((p) => !existsSync(p));
      writeFileSync(originalsFile, JSON.stringify({ kernel, absentPaths } satisfies Originals));
    }
    writeFileSync(file, '');
  });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      withRegistryLock(() => {
        rmSync(file, { force: true });
        const others = readdirSync(holdersDir).filter((h) => pidAlive(Number(h.split('-')[0])));
        const originals = readOriginals();
        if (others.length > 0 || originals === undefined) return;
        for (const [k, v] of Object.entries(originals.kernel)) writeFileSync(`/proc/sys/${k}`, v);
        for (const p of originals.absentPaths) rmSync(p, { recursive: true, force: true });
        rmSync(originalsFile, { force: true });
        rmSync(holdersDir, { recursive: true, force: true });
      });
      // Best effort: another harness may be waiting for the lock in it.
      try {
        rmdirSync(registryDir);
      } catch {
        // Not empty: in use.
      }
    },
  };
}

/** Removes the kubelet's /var/log/containers links into `podLogsDir` (the links stay when the directory was there before). */
export function removeContainerLogLinks(podLogsDir: string): void {
  const dir = '/var/log/containers';
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const link = join(dir, entry);
    try {
      if (readlinkSync(link).startsWith(`${podLogsDir}/`)) rmSync(link, { force: true });
    } catch {
      // Not a link.
    }
  }
}

/** The cgroup v1 hierarchies mounted under /sys/fs/cgroup (name=systemd included), or [] on a pure cgroup v2 host. */
export function cgroupV1Hierarchies(): string[] {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n');
  return mounts
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup' && f[1]?.startsWith('/sys/fs/cgroup/') === true)
    .map((f) => f[1] ?? '');
}

function cgroupV2Mounts(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup2' && f[1]?.startsWith('/sys/fs/cgroup') === true)
    .map((f) => f[1] ?? '');
}

/** The node cgroup's cpu.shares: what the kubelet gives its pods cgroup for this many CPUs. */
const NODE_CPU_SHARES = 1024 * availableParallelism();

/**
 * Creates `/<name>` in every cgroup v1 hierarchy: the kubelet's cgroupRoot,
 * so its QoS cgroups and pods never mix with another node's on this machine.
 */
export function createCgroupRoot(name: string): { path: string; remove(): void } {
  const hierarchies = cgroupV1Hierarchies();
  // runc also creates the container's cgroup in the hybrid layout's cgroup2 tree.
  const unified = cgroupV2Mounts();
  for (const h of hierarchies) {
    const dir = join(h, name);
    mkdirSync(dir, { recursive: true });
    // A new cpuset cgroup starts with no CPUs or memory nodes: copy the parent's.
    if (h.endsWith('/cpuset')) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, f), readFileSync(join(h, f), 'utf8').trim());
    }
    // The default weight (1024) is that of one session's autogroup, so on a
    // busy machine every pod of the node together would get what one shell
    // gets. Weigh it as the kubelet weighs its pods cgroup on a node of this
    // size (1024 per CPU), as if the node had the machine to itself.
    const shares = join(dir, 'cpu.shares');
    if (existsSync(shares)) writeFileSync(shares, String(NODE_CPU_SHARES));
  }
  return {
    path: `/${name}`,
    remove() {
      for (const h of [...hierarchies, ...unified]) removeCgroupTree(join(h, name));
    },
  };
}

/** Kills what is left in a cgroup tree the node owns, then removes it, deepest first. */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) removeCgroupTree(child);
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const procs = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((l) => l !== '');
    for (const pid of procs) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    try {
      rmdirSync(dir);
      return;
    } catch {
      execFileSync('sleep', ['0.1']);
    }
  }
  throw new Error(`could not remove cgroup ${dir}`);
}

/** Unmounts every mount at or below `dir` (deepest first): containerd's rootfs and netns mounts, the kubelet's volume mounts. */
export function unmountUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)))
    .map((p) => p.replace(/\\040/g, ' '))
    .sort((a, b) => b.length - a.length);
  const failed: string[] = [];
  for (const p of points) {
    try {
      execFileSync('umount', ['-l', p], { stdio: 'pipe' });
    } catch {
      failed.push(p);
    }
  }
  return failed;
}
