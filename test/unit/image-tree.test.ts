// Starts the image's entrypoint from the tree the Dockerfile would build: only
// the files it copies (minus .dockerignore) plus `npm ci --omit=dev`. Catches a
// runtime import of a dev dependency or a missing COPY without a Docker engine.
// Runs npm against the local cache (--prefer-offline): about 10 s.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copies, filesUnder, isIgnored, parseDockerfile, parseDockerignore, readText } from './dockerfile-parse.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(join(tmpdir(), 'swarmlab-image-'));
const app = join(work, 'app');
const home = join(work, 'tmp');

function entrypoint(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/swarmlab.js', ...args], {
    cwd: app,
    encoding: 'utf8',
    // What the image sets, and nothing from the developer's shell that could hide a missing file.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOME: home, TMPDIR: home, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const dockerfile = parseDockerfile(readText(root, 'Dockerfile'));
  const ignore = parseDockerignore(readText(root, '.dockerignore'));
  mkdirSync(app, { recursive: true });
  mkdirSync(home, { recursive: true });
  for (const c of dockerfile.stages.flatMap(copies)) {
    if (c.from !== undefined) continue;
    for (const src of c.sources) {
      for (const f of filesUnder(root, src)) {
        if (isIgnored(ignore, f)) continue;
        mkdirSync(dirname(join(app, f)), { recursive: true });
        cpSync(join(root, f), join(app, f));
      }
    }
  }
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, stdio: 'pipe' });
}, 300_000);

// Deleting the production tree (some 26,000 files) takes seconds on a loaded machine.
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('image tree (Dockerfile COPY set + npm ci --omit=dev)', () => {
  it('has no dev dependency and no test file', () => {
    // The lock marks packages reachable only from devDependencies with `dev: true`.
    const lock = JSON.parse(readText(root, 'package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, p]) => path.startsWith('node_modules/') && p.dev === true);
    expect(devOnly.map(([path]) => path)).toContain('node_modules/vitest');
    for (const [path] of devOnly) expect(existsSync(join(app, path)), path).toBe(false);
    expect(filesUnder(app, 'runner').filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    expect(readdirSync(app).sort()).toEqual(['bin', 'node_modules', 'operator', 'package-lock.json', 'package.json', 'runner']);
  });

  it('starts the CLI entrypoint', () => {
    const r = entrypoint(['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('run-index');
  });

  it('runs one index as a Job pod would and writes the same run digest as the repo tree', () => {
    const spec = join(work, 'experiment.yaml');
    cpSync(join(root, 'scenarios/mm1-queue.yaml'), spec);
    const run = (cwd: string, store: string) => {
      const r = spawnSync(process.execPath, ['bin/swarmlab.js', 'run-index', '--spec', spec, '--store', `file://${store}`], {
        cwd,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOME: home, TMPDIR: home, JOB_COMPLETION_INDEX: '1', HOSTNAME: 'pod-1' },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { run: string; status: string; digest: string };
    };
    const inImage = run(app, join(work, 'store-image'));
    const inRepo = run(root, join(work, 'store-repo'));
    expect(inImage).toMatchObject({ run: 'run-000001', status: 'succeeded' });
    expect(inImage.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(inImage.digest).toBe(inRepo.digest);
  });
});
