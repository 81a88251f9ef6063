import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A module package outside swarmlab's source, loaded through the runner
// configuration by the real CLI (Node's own loader, as users run it).

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));

function swarmlab(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '', SWARMLAB_MODULES: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ticker = (name = 'ticker') => `import { defineModule, z } from 'swarmlab/sdk';

export default defineModule({
  kind: 'agent',
  name: '${name}',
  version: '1.0.0',
  description: 'Counts ticks at a fixed interval.',
  config: z.object({ every: z.number().positive().default(1).describe('Time between ticks.') }).strict(),
  create(config, ctx) {
    let ticks = 0;
    const next = (sim) => sim.emit({ type: 'tick', target: ctx.instance, delay: config.every });
    return { start: next, handle: { tick(_e, sim) { ticks++; next(sim); } }, metrics: () => ({ ticks }) };
  },
});
`;

const experiment = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: ticks
spec:
  scenario:
    modules:
      - { kind: agent, module: ticker, name: clock }
    horizon: { time: 10 }
  sweep:
    seeds: { base: 1, replicas: 2 }
    grid:
      - { param: clock.every, values: [1, 2.5] }
`;

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-plugin-'));
  writeFileSync(join(dir, 'exp.yaml'), experiment);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('third-party modules from the runner configuration', () => {
  it('runs a sweep of a module from a TypeScript file outside swarmlab, in worker processes, and its results validate', () => {
    const dir = project({ 'ticker.ts': ticker(), 'package.json': JSON.stringify({ name: 'tick-models', version: '0.2.0', type: 'module' }), 'swarmlab.config.yaml': 'modules: [./ticker.ts]\n' });
    const run = swarmlab(['run', 'exp.yaml', '--store', `file://${join(dir, 'results')}`, '--workers', '2', '--json'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { succeeded: number; results: string };
    expect(out.succeeded).toBe(4);
    const set = join(dir, 'results', 'ticks', readdirSync(join(dir, 'results', 'ticks'))[0]!);
    const ticks = [0, 1, 2, 3].map((i) => (JSON.parse(readFileSync(join(set, 'runs', `run-00000${i}`, 'summary.json'), 'utf8')) as { final_metrics: Record<string, number> }).final_metrics['clock.ticks']);
    expect(ticks.sort()).toEqual([10, 10, 4, 4].sort());
    expect(swarmlab(['validate', set], dir).code).toBe(0);
  });

  it('records the code of every package in run.json and the manifest; resume re-runs what other code made, and never overwrites other outputs', () => {
    const dir = project({ 'ticker.js': ticker(), 'package.json': JSON.stringify({ name: 'tick-models', version: '0.2.0', type: 'module' }), 'swarmlab.config.yaml': 'modules: [./ticker.js]\n' });
    const store = `file://${join(dir, 'results')}`;
    const run = () => {
      const r = swarmlab(['run', 'exp.yaml', '--store', store, '--workers', '1', '--json'], dir);
      return { code: r.code, out: JSON.parse(r.stdout) as { succeeded: number; resumed: number; failures: { code: string; message: string }[] } };
    };
    const set = () => join(dir, 'results', 'ticks', readdirSync(join(dir, 'results', 'ticks'))[0]!);
    const codeOf = () => (JSON.parse(readFileSync(join(set(), 'runs', 'run-000000', 'run.json'), 'utf8')) as { code: { package: string; digest: string }[] }).code.filter((c) => c.package !== 'hyparquet-writer');

    expect(run().out).toMatchObject({ succeeded: 4, resumed: 0 });
    const first = codeOf();
    expect(first.map((c) => c.package)).toEqual(['tick-models']);
    const manifest = JSON.parse(readFileSync(join(set(), 'manifest.json'), 'utf8')) as { runs: { code: { package: string }[] }[] };
    // Beside the module's package, the Parquet trace's writer (writer-upgrade.test.ts).
    expect(manifest.runs[0]!.code.map((c) => c.package)).toEqual(['hyparquet-writer', 'tick-models']);
    expect(manifest.runs[0]!.code[1]).toEqual(first[0]);
    expect(run().out).toMatchObject({ succeeded: 4, resumed: 4 });

    // Other code, same outputs: every run is made again, and keeps its place under the new code.
    writeFileSync(join(dir, 'ticker.js'), `// a comment changes the code\n${ticker()}`);
    expect(run().out).toMatchObject({ succeeded: 4, resumed: 0 });
    expect(codeOf()[0]!.digest).not.toBe(first[0]!.digest);
    expect(swarmlab(['validate', set()], dir).code).toBe(0);

    // Other code, other outputs: a conflict that says why, never an overwrite.
    writeFileSync(join(dir, 'ticker.js'), ticker().replace('ticks++;', 'ticks += 2;'));
    const changed = run();
    expect(changed.code).toBe(1);
    expect(changed.out.failures[0]!.code).toBe('OUTPUT_CONFLICT');
    expect(changed.out.failures[0]!.message).toMatch(/the stored run was made by hyparquet-writer@[^;]+, tick-models@0\.2\.0 \(code [0-9a-f]{12}\); this runner has hyparquet-writer@[^;]+, tick-models@0\.2\.0 \(code [0-9a-f]{12}\), and running it again gave different outputs/);
  });

  it('swarmlab modules lists the loaded module beside the built-in ones and explains it, as text and JSON', () => {
    const dir = project({ 'ticker.js': ticker(), 'package.json': JSON.stringify({ name: 'tick-models', version: '0.2.0', type: 'module' }), 'swarmlab.config.yaml': 'modules: [./ticker.js]\n' });
    const list = swarmlab(['modules'], dir);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/\nagent\s+ticker\s+1\.0\.0\s+tick-models@0\.2\.0\s+Counts ticks at a fixed interval\.\n/);
    expect(list.stdout).toMatch(/\nagent\s+poisson-source\s+/);
    const one = swarmlab(['modules', 'ticker', '--json'], dir);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'agent', name: 'ticker', package: 'tick-models', config: [{ path: 'every', type: 'number', default: '1', range: '> 0', description: 'Time between ticks.' }] });
    const unknown = swarmlab(['modules', 'tickr'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean ticker?');
  });

  it('refuses a package that fails to import, naming the package and the cause (exit 2)', () => {
    const dir = project({ 'broken.js': "throw new Error('no such model yet');\n", 'package.json': JSON.stringify({ name: 'broken-models', version: '1.0.0', type: 'module' }), 'swarmlab.config.yaml': 'modules: [./broken.js]\n' });
    const r = swarmlab(['plan', 'exp.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MODULE_LOAD_FAILED');
    expect(r.stderr).toContain('cannot import module package broken-models@1.0.0');
    expect(r.stderr).toContain('Error: no such model yet');
  });

  it('refuses a module whose name another package already has, naming both packages (exit 2)', () => {
    const dir = project({ 'ticker.js': ticker('poisson-source'), 'package.json': JSON.stringify({ name: 'tick-models', version: '0.2.0', type: 'module' }), 'swarmlab.config.yaml': 'modules: [./ticker.js]\n' });
    const r = swarmlab(['plan', 'exp.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INVALID_MODULE: agent module poisson-source of package tick-models@0\.2\.0 \(.*ticker\.js\) clashes with agent module poisson-source of package swarmlab@/);
  });

  it('without a configuration the module is unknown, and the error lists the modules the runner has', () => {
    const dir = project({});
    const r = swarmlab(['plan', 'exp.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('UNKNOWN_MODULE');
  });
});
