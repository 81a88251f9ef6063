// The host processes of a container on the local node, found through its
// cgroup: the kubelet (cgroupfs driver) names a container's cgroup after its
// container ID, under the node's cgroup root in every v1 hierarchy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `pids` hierarchy holds every process of a cgroup, like any other; it is the smallest tree to walk. */
const PIDS_HIERARCHY = '/sys/fs/cgroup/pids';

function findDir(root: string, name: string, depth: number): string | undefined {
  if (depth < 0 || !existsSync(root)) return undefined;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = join(root, e.name);
    if (e.name === name) return dir;
    const found = findDir(dir, name, depth - 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Host pids of the container `containerd://<id>` (as a pod's status reports
 * it); empty when the container has no process left.
 */
export function containerPids(containerId: string): number[] {
  const id = containerId.replace(/^containerd:\/\//, '');
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`not a containerd container ID: ${containerId}`);
  // <node root>/kubepods[/<qos>]/pod<uid>/<id>
  const dir = findDir(PIDS_HIERARCHY, id, 5);
  if (dir === undefined) return [];
  return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

/** SIGKILLs every process of the container from the host (what an OOM kill or a node's hard stop does to it). */
export function killContainer(containerId: string): number {
  const pids = containerPids(containerId);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  return pids.length;
}
