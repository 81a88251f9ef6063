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

/** Runs podman against that store; resolves with the exit code and output. */
export function podman(image: BuiltImage, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('podman', args, { encoding: 'utf8', env: { ...process.env, ...imageStoreEnv(image) }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}
