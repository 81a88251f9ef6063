/**
 * The project's image, built without Docker by scripts/image/build.sh (which
 * owns the cache key and the image store; this module only asks it).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from './versions.ts';

const builtImageSchema = z.object({
  /** localhost/swarmlab/swarmlab:<key>: the content-keyed tag, stable while the sources are. */
  ref: z.string().min(1),
  /** The name the chart uses (ghcr.io/swarmlab/swarmlab:<appVersion>). */
  chartRef: z.string().min(1),
  imageId: z.string().regex(/^[0-9a-f]{64}$/),
  /** OCI archive of the image, tagged chartRef, for `ctr images import`. */
  archive: z.string().min(1),
  baseRef: z.string().min(1),
  baseImageId: z.string().regex(/^[0-9a-f]{64}$/),
  rootfsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  containersConf: z.string().min(1),
  storageConf: z.string().min(1),
  rebuiltBaseImageId: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  rebuiltImageId: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type BuiltImage = z.infer<typeof builtImageSchema>;

const buildScript = join(repoRoot, 'scripts/image/build.sh');

/** Builds the image, or reuses the cached one (about a second when nothing changed). */
export function ensureImage(opts: { rebuild?: boolean } = {}): Promise<BuiltImage> {
  const args = [buildScript, '--json', ...(opts.rebuild === true ? ['--rebuild'] : [])];
  return new Promise((resolve, reject) => {
    execFile('bash', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`scripts/image/build.sh failed (${err.message}):\n${stderr.split('\n').slice(-40).join('\n')}`));
        return;
      }
      resolve(builtImageSchema.parse(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')));
    });
  });
}

/** Env under which podman and buildah see the image store build.sh uses. */
export function imageStoreEnv(image: BuiltImage): Record<string, string> {
  return { CONTAINERS_CONF: image.containersConf, CONTAINERS_STORAGE_CONF: image.storageConf };
}

type ToolResult = { code: number; stdout: string; stderr: string };

/** Runs podman or buildah against that store; resolves with the exit code and output. */
function inStore(tool: 'podman' | 'buildah', image: BuiltImage, args: string[]): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(tool, args, { encoding: 'utf8', env: { ...process.env, ...imageStoreEnv(image) }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

export function podman(image: BuiltImage, args: string[]): Promise<ToolResult> {
  return inStore('podman', image, args);
}

/**
 * What a user does with a plugin package's Dockerfile (`FROM` the swarmlab
 * image, build argument SWARMLAB_IMAGE): builds it in the same store from
 * the image built here, then writes it as an OCI archive named `tag`, the
 * local stand-in for pushing it to a registry.
 */
export async function buildDerivedImage(image: BuiltImage, opts: { context: string; tag: string; archive: string }): Promise<void> {
  const steps: string[][] = [
    ['build', '--pull=never', '--network', 'none', '--format', 'oci', '--layers=false', '--build-arg', `SWARMLAB_IMAGE=${image.ref}`, '-t', opts.tag, opts.context],
    ['push', '--quiet', opts.tag, `oci-archive:${opts.archive}:${opts.tag}`],
  ];
  for (const args of steps) {
    const r = await inStore('buildah', image, args);
    if (r.code !== 0) throw new Error(`buildah ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr.split('\n').slice(-30).join('\n')}`);
  }
}

/** Imports an OCI archive into the local node's containerd (the k8s.io namespace the kubelet reads), under the name it carries. */
export function loadIntoNode(node: { ctr: string; containerdAddress: string }, archive: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(node.ctr, ['--address', node.containerdAddress, '-n', 'k8s.io', 'images', 'import', '--local', archive], { encoding: 'utf8', timeout: 300_000 }, (err, _stdout, stderr) => {
      if (err !== null) reject(new Error(`ctr images import ${archive} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}
