import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { SCHEMA_VERSION } from '../outputs/schemas.ts';
import { main } from './main.ts';

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));

function swarmlab(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tiny = (extra = '') => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: tiny
spec:
  scenario:
    modules:
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.7, target: server } }
      - { kind: agent, module: service-queue, name: server, config: { serviceRate: 1.0 } }
      - { kind: policy, module: admission-control, name: admission, config: { capacity: 5 } }
    horizon: { time: 300 }
  sweep:
    seeds: { base: 1, replicas: 3 }
    grid:
      - { param: arrivals.rate, values: [0.4, 0.8] }
${extra}`;

function workspace(yaml = tiny()) {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-cli-'));
  writeFileSync(join(dir, 'exp.yaml'), yaml);
  return dir;
}

function resultsRoot(store: string): string {
  const exp = join(store, 'tiny');
  return join(exp, readdirSync(exp)[0]!);
}

function runFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const run of readdirSync(join(root, 'runs')).sort()) {
    for (const f of readdirSync(join(root, 'runs', run)).sort()) out.set(`${run}/${f}`, readFileSync(join(root, 'runs', run, f), 'utf8'));
  }
  return out;
}

describe('swarmlab run and validate', { timeout: 120_000 }, () => {
  it('runs a sweep, validates it, and gives byte-identical outputs for any worker count', () => {
    const dir = workspace();
    const one = swarmlab(['run', 'exp.yaml', '--store', `file://${dir}/a`, '--workers', '1', '--json'], dir);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    const summary = JSON.parse(one.stdout) as { total: number; succeeded: number; manifestDigest: string };
    expect(summary).toMatchObject({ total: 6, succeeded: 6 });
    const two = swarmlab(['run', 'exp.yaml', '--store', `file://${dir}/b`, '--workers', '2', '--json'], dir);
    expect(two.code).toBe(0);
    expect(JSON.parse(two.stdout).manifestDigest).toBe(summary.manifestDigest);
    const a = resultsRoot(join(dir, 'a'));
    const b = resultsRoot(join(dir, 'b'));
    expect(runFiles(a)).toEqual(runFiles(b));
    // Identical but for the provenance integrity field: hashes of wall-clock facts.
    const results = (root: string) => ({ ...(JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as Record<string, unknown>), provenance: undefined });
    expect(results(a)).toEqual(results(b));

    const ok = swarmlab(['validate', a], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid: 6 runs');
  });

  it('resumes: a second run over the same store reruns nothing and keeps the digest', () => {
    const dir = workspace();
    const first = JSON.parse(swarmlab(['run', 'exp.yaml', '--store', `file://${dir}/r`, '--json'], dir).stdout);
    const again = swarmlab(['run', 'exp.yaml', '--store', `file://${dir}/r`, '--json'], dir);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ resumed: 6, succeeded: 6, manifestDigest: first.manifestDigest });
  });

  for (const workers of [1, 2]) {
    it(`Ctrl-C with ${workers} worker(s): runs in flight finish, exit 130 without a manifest, and the same command resumes to the same digest`, async () => {
      // 48 runs of horizon 5000: a few seconds, so the interrupt lands mid-sweep.
      const dir = workspace(tiny().replace('horizon: { time: 300 }', 'horizon: { time: 5000 }').replace('replicas: 3', 'replicas: 24'));
      const args = ['run', 'exp.yaml', '--store', `file://${dir}/r`, '--workers', String(workers), '--json'];
      // Its own process group, which a terminal's Ctrl-C signals as a whole (worker processes included).
      const child = spawn(process.execPath, [bin, ...args], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Runs with their record; the store's directories appear one by one while the sweep starts.
      const records = (): string[] => {
        const exp = join(dir, 'r', 'tiny');
        const digest = existsSync(exp) ? readdirSync(exp)[0] : undefined;
        const runs = digest === undefined ? '' : join(exp, digest, 'runs');
        return runs !== '' && existsSync(runs) ? readdirSync(runs).filter((r) => existsSync(join(runs, r, 'run.json'))) : [];
      };
      while (records().length < 2) await new Promise((r) => setTimeout(r, 20));
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited, stderr).toBe(130);
      expect(stderr).toContain('INTERRUPTED');
      expect(stderr).toContain('run the same command again to resume');
      const root = resultsRoot(join(dir, 'r'));
      expect(existsSync(join(root, 'manifest.json'))).toBe(false);
      // Every run that was started finished: no run without its record.
      const kept = records();
      expect(readdirSync(join(root, 'runs')).sort()).toEqual(kept.sort());
      expect(kept.length).toBeLessThan(48);

      const again = swarmlab(args, dir);
      expect(again.code, again.stderr).toBe(0);
      const clean = swarmlab(['run', 'exp.yaml', '--store', `file://${dir}/clean`, '--workers', String(workers), '--json'], dir);
      expect(JSON.parse(again.stdout)).toMatchObject({ succeeded: 48, resumed: kept.length, manifestDigest: JSON.parse(clean.stdout).manifestDigest });
    });
  }

  it('detects a tampered copy: an edited event, a schema-invalid summary, a missing file', () => {
    const dir = workspace();
    const ran = swarmlab(['run', 'exp.yaml', '--store', `file://${dir}/t`], dir);
    expect(ran.code).toBe(0);
    // stderr is a pipe here, as in CI: plain progress lines, no bar.
    expect(ran.stderr).toMatch(/^swarmlab: runs 6\/6 \(100%\), ok 6, failed 0, /m);
    expect(ran.stderr).not.toMatch(/\[[░█]/);
    const root = resultsRoot(join(dir, 't'));
    const events = join(root, 'runs', 'run-000001', 'events.parquet');
    chmodSync(events, 0o644);
    const bytes = readFileSync(events);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    writeFileSync(events, bytes);
    const summary = join(root, 'runs', 'run-000002', 'summary.json');
    writeFileSync(summary, readFileSync(summary, 'utf8').replace(`"schema_version": "${SCHEMA_VERSION}"`, '"schema_version": 1'));
    rmSync(join(root, 'runs', 'run-000003', 'metrics.parquet'));
    const bad = swarmlab(['validate', root], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/run-000001\/events\.parquet: sha256 .* does not match/);
    expect(bad.stderr).toMatch(/run-000002\/summary\.json: sha256/);
    expect(bad.stderr).toMatch(/run-000002\/summary\.json: schema_version/);
    expect(bad.stderr).toMatch(/run-000003\/metrics\.parquet: missing/);
  });

  it('run-index runs exactly one run, as a Job pod does, from JOB_COMPLETION_INDEX', () => {
    const dir = workspace();
    const store = `file://${dir}/pod`;
    const r = spawnSync(process.execPath, [bin, 'run-index', '--spec', 'exp.yaml', '--store', store, '--attempt', 'pod-a'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, JOB_COMPLETION_INDEX: '3' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ run: 'run-000003', index: 3, status: 'succeeded' });
    const root = resultsRoot(join(dir, 'pod'));
    expect(readdirSync(join(root, 'runs'))).toEqual(['run-000003']);
    expect(readdirSync(join(root, 'runs', 'run-000003')).sort()).toEqual(['events.parquet', 'metrics.parquet', 'run.json', 'summary.json']);
    const again = swarmlab(['run-index', '--spec', 'exp.yaml', '--store', store, '--index', '3'], dir);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'resumed' });
    const outside = swarmlab(['run-index', '--spec', 'exp.yaml', '--store', store, '--index', '6'], dir);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/run index 6 is outside the run matrix 0\.\.5/);
  });

  it('plans without running', () => {
    const dir = workspace();
    const r = swarmlab(['plan', 'exp.yaml'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tiny: 6 runs');
    expect(r.stdout).toMatch(/run-000005\t5\t\d+\tarrivals\.rate=0\.8/);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });

  it('plan and run warn about duplicate seeds and grid values (stderr; run --json: a warnings array)', () => {
    const dir = workspace(tiny().replace('{ base: 1, replicas: 3 }', '{ list: [5, 6, 5] }').replace('values: [0.4, 0.8]', 'values: [0.4, 0.8, 0.4]'));
    const planned = swarmlab(['plan', 'exp.yaml'], dir);
    expect(planned.code).toBe(0);
    expect(planned.stderr).toContain('warning: spec.sweep.seeds.list[2]: seed 5 is also at seeds.list[0]');
    expect(planned.stderr).toContain('warning: spec.sweep.grid[0].values[2]: value 0.4 of arrivals.rate is also at values[0]');
    const asJson = swarmlab(['plan', '--json', 'exp.yaml'], dir);
    expect((JSON.parse(asJson.stderr.trim()) as { warnings: unknown[] }).warnings).toHaveLength(2);
    const ran = swarmlab(['run', 'exp.yaml', '--json', '--workers', '1', '--store', `file://${dir}/out`], dir);
    expect(ran.code).toBe(0);
    expect((JSON.parse(ran.stdout) as { warnings: { path: string }[] }).warnings.map((w) => w.path)).toEqual(['spec.sweep.seeds.list[2]', 'spec.sweep.grid[0].values[2]']);
    expect(swarmlab(['plan', 'exp.yaml'], workspace()).stderr).not.toContain('warning');
  });
});

describe('bad input: a clear message naming the file or field, exit status 2, nothing marked valid', () => {
  const cases: { name: string; yaml?: string; args?: (dir: string) => string[]; message: RegExp }[] = [
    { name: 'malformed YAML', yaml: 'apiVersion: swarmlab.io/v1alpha1\nkind: [Experiment\n', message: /BAD_FILE: .*exp\.yaml: malformed YAML/ },
    { name: 'missing file', args: (dir) => ['run', join(dir, 'nope.yaml')], message: /BAD_FILE: .*nope\.yaml: cannot read file/ },
    { name: 'wrong kind', yaml: tiny().replace('kind: Experiment', 'kind: Experimnt'), message: /INVALID_SPEC: .*kind/ },
    { name: 'unknown module', yaml: tiny().replace('module: service-queue', 'module: service-queeu'), message: /UNKNOWN_MODULE: spec\.scenario\.modules\[1\]\.module: unknown agent module service-queeu .*known agent modules: .*service-queue/ },
    { name: 'wrong type in module config', yaml: tiny().replace('serviceRate: 1.0', 'serviceRate: fast'), message: /INVALID_MODULE_CONFIG: spec\.scenario\.modules\[1\]\.config\.serviceRate/ },
    { name: 'unknown module config key', yaml: tiny().replace('serviceRate: 1.0', 'serviceRate: 1.0, speed: 2'), message: /INVALID_MODULE_CONFIG: spec\.scenario\.modules\[1\]\.config.*speed/ },
    { name: 'out-of-range grid value', yaml: tiny().replace('values: [0.4, 0.8]', 'values: [0.4, -1]'), message: /INVALID_MODULE_CONFIG: spec\.sweep\.grid\[0\]\.values\[1\]: arrivals: .*at spec\.scenario\.modules\[0\]\.config\.rate, with sweep value arrivals\.rate = -1/ },
    { name: 'grid over an unknown instance', yaml: tiny().replace('param: arrivals.rate', 'param: arrival.rate'), message: /INVALID_SPEC: spec\.sweep\.grid\[0\]\.param: parameter arrival\.rate: no module instance named arrival/ },
    { name: 'bad horizon', yaml: tiny().replace('horizon: { time: 300 }', 'horizon: { time: -3 }'), message: /INVALID_SPEC: .*spec\.scenario\.horizon\.time/ },
    { name: 'replicas and list together', yaml: tiny().replace('{ base: 1, replicas: 3 }', '{ replicas: 3, list: [1] }'), message: /INVALID_SPEC: .*spec\.sweep\.seeds.*not both/ },
    { name: 'uniform latency with min > max', yaml: tiny().replace('    horizon:', '    latency: [{ name: l, model: uniform, min: 5, max: 1 }]\n    horizon:'), message: /INVALID_SPEC: .*exp\.yaml: spec\.scenario\.latency\[0\]\.min: min must not exceed max/ },
    { name: 'sweep over the cap', yaml: tiny('    maxRuns: 4\n'), message: /SWEEP_TOO_LARGE: spec\.sweep\.maxRuns: the sweep has 6 runs, more than maxRuns 4/ },
    { name: 'sweep over the default cap', yaml: tiny().replace('replicas: 3', 'replicas: 60000'), message: /SWEEP_TOO_LARGE: .*120000 runs, more than maxRuns 100000/ },
    { name: 'unwritable store', args: (dir) => ['run', join(dir, 'exp.yaml'), '--store', `file://${dir}/exp.yaml/sub`], message: /STORE_UNAVAILABLE: .*exp\.yaml\/sub.*cannot write/ },
    { name: 'malformed store URI', args: (dir) => ['run', join(dir, 'exp.yaml'), '--store', 'ftp://x'], message: /STORE_UNAVAILABLE: .*expected file:\/\/DIR or s3:\/\/BUCKET\/PREFIX/ },
    { name: 'unreachable S3 endpoint', args: (dir) => ['run', join(dir, 'exp.yaml'), '--store', 's3://swarmlab-none/x?endpoint=http://127.0.0.1:9'], message: /STORE_UNAVAILABLE: .*s3:\/\/swarmlab-none/ },
    { name: 'bad --workers', args: (dir) => ['run', join(dir, 'exp.yaml'), '--workers', 'zero'], message: /USAGE: --workers must be a whole number/ },
  ];

  // In-process through the same main() the binary calls: fast enough for a long table.
  for (const c of cases) {
    it(c.name, async () => {
      const dir = workspace(c.yaml ?? tiny());
      let stderr = '';
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += String(chunk);
        return true;
      });
      let code: number;
      try {
        code = await main(['node', 'swarmlab', ...(c.args?.(dir) ?? ['run', join(dir, 'exp.yaml'), '--store', `file://${dir}/out`])]);
      } finally {
        spy.mockRestore();
        process.exitCode = 0;
      }
      expect(stderr).toMatch(c.message);
      expect(code).toBe(2);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    });
  }
});
