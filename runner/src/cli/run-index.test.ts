import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.ts';
import { FailureRecord } from '../outputs/schemas.ts';
import { parseExperimentText } from '../spec/load.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { FileStore } from '../store/file-store.ts';
import { runLocal } from '../run/local-executor.ts';
import { storeRoundFile } from '../rounds/round-file.ts';

// run-index, as a Job pod runs it: on failure it exits with the code's status
// and leaves a JSON failure record in its termination message file and in the
// store. And `swarmlab run`'s failure budget, seen from the command line.

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runIndex(index: number, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-run-index-'));
  dirs.push(dir);
  const yaml = tinySpec('pod');
  writeFileSync(join(dir, 'exp.yaml'), yaml);
  const log = join(dir, 'termination-log');
  const r = spawnSync(
    process.execPath,
    [bin, 'run-index', '--spec', 'exp.yaml', '--index', String(index), '--store', `file://${dir}/store`, '--attempt', 'pod-a', '--termination-log', log],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: '', ...env } },
  );
  const layout = ExperimentLayout.of(parseExperimentText(yaml));
  return { code: r.status, stderr: r.stderr, log, storeRecord: join(dir, 'store', layout.failure(`run-00000${index}`)) };
}

describe('run-index failure record', { timeout: 30_000 }, () => {
  it('writes the failure record to the termination message file and the store, and exits with the code\'s status', () => {
    const r = runIndex(2, { SWARMLAB_FAILPOINT: 'corrupt-output:2' });
    expect(r.code, r.stderr).toBe(ErrorCodes.INVALID_OUTPUT.exit);
    const text = readFileSync(r.log, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    const record = FailureRecord.parse(JSON.parse(text));
    expect(record).toMatchObject({ run_id: 'run-000002', index: 2, code: 'INVALID_OUTPUT', attempt: 'pod-a' });
    expect(record.message).toMatch(/events\.parquet: not a Parquet file/);
    expect(record.message).not.toMatch(/^INVALID_OUTPUT/);
    expect(JSON.parse(readFileSync(r.storeRecord, 'utf8'))).toEqual(record);
  });

  it('a store outage is STORE_ERROR with its own exit status', () => {
    const r = runIndex(1, { SWARMLAB_FAILPOINT: 'store-error:1' });
    expect(r.code, r.stderr).toBe(ErrorCodes.STORE_ERROR.exit);
    expect(FailureRecord.parse(JSON.parse(readFileSync(r.log, 'utf8'))).code).toBe('STORE_ERROR');
  });

  it('writes no termination message when the run succeeds', () => {
    const r = runIndex(0);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(r.log)).toBe(false);
    expect(existsSync(r.storeRecord)).toBe(false);
  });
});

describe('swarmlab run failure budget', { timeout: 60_000 }, () => {
  it('exits 1 once more runs than maxFailedRuns failed, says how many were not started, and the manifest lists them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-budget-'));
    dirs.push(dir);
    const yaml = tinySpec('budget', '  execution:\n    maxFailedRuns: 0\n');
    writeFileSync(join(dir, 'exp.yaml'), yaml);
    const r = spawnSync(process.execPath, [bin, 'run', 'exp.yaml', '--workers', '1', '--store', `file://${dir}/store`, '--json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, SWARMLAB_FAILPOINT: 'corrupt-output' },
    });
    expect(r.status, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout) as { failed: number; notStarted: number; failures: { code: string }[] };
    expect(summary.failed).toBe(6);
    // A budget of 0: the first failure stops the sweep; the other run in flight may finish.
    expect(summary.notStarted).toBeGreaterThanOrEqual(4);
    const layout = ExperimentLayout.of(parseExperimentText(yaml));
    const manifest = JSON.parse(readFileSync(join(dir, 'store', layout.manifest), 'utf8')) as { runs: { error?: { code: string } }[] };
    expect(manifest.runs.filter((x) => x.error?.code === 'NOT_STARTED')).toHaveLength(summary.notStarted);
  });
});

/** 40 runs of about 0.1 s each: a block long enough to stop half way. */
const SLOW_SPEC = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: killed
spec:
  scenario:
    modules:
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.7, target: server } }
      - { kind: agent, module: service-queue, name: server, config: { serviceRate: 1.0 } }
    horizon: { time: 3000 }
  sweep:
    seeds: { base: 1, replicas: 40 }
  output:
    trace: { level: final }
`;

describe('run-index with a block of runs (--runs-per-pod)', { timeout: 120_000 }, () => {
  function setup(yaml: string) {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-run-block-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'exp.yaml'), yaml);
    const layout = ExperimentLayout.of(parseExperimentText(yaml));
    const args = (attempt: string, extra: string[]) => [bin, 'run-index', '--spec', 'exp.yaml', '--store', `file://${dir}/store`, '--attempt', attempt, '--termination-log', join(dir, `log-${attempt}`), ...extra];
    const promoted = (): string[] => {
      const runs = join(dir, 'store', layout.runsPrefix);
      return existsSync(runs) ? readdirSync(runs).filter((r) => existsSync(join(runs, r, 'run.json'))).sort() : [];
    };
    const attemptOf = (runId: string): string => (JSON.parse(readFileSync(join(dir, 'store', layout.provenance(runId)), 'utf8')) as { attempt: string }).attempt;
    return { dir, layout, args, promoted, attemptOf };
  }

  it('index 1 of 3 runs a pod runs runs 3-5 and nothing else, one line each', () => {
    const t = setup(tinySpec('pod'));
    const r = spawnSync(process.execPath, t.args('pod-a', ['--index', '1', '--runs-per-pod', '3']), { cwd: t.dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(t.promoted()).toEqual(['run-000003', 'run-000004', 'run-000005']);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([3, 4, 5].map((index) => ({ run: `run-00000${index}`, index, status: 'succeeded', digest: expect.stringMatching(/^[0-9a-f]{64}$/) })));
    // Again (a retried index): every run kept, nothing run.
    const again = spawnSync(process.execPath, t.args('pod-b', ['--index', '1', '--runs-per-pod', '3']), { cwd: t.dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    expect(again.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['resumed', 'resumed', 'resumed']);
    const outside = spawnSync(process.execPath, t.args('pod-c', ['--index', '2', '--runs-per-pod', '3']), { cwd: t.dir, encoding: 'utf8' });
    expect(outside.status).toBe(ErrorCodes.USAGE.exit);
    expect(outside.stderr).toMatch(/run index 6 \(completion index 2, offset 0, 3 runs an index\) is outside the run matrix 0\.\.5/);
  });

  it('--round: index i runs block i of positions of the round\'s run list in the store, and a block past its end is refused', async () => {
    const t = setup(tinySpec('pod'));
    const store = new FileStore(join(t.dir, 'store'));
    await storeRoundFile(store, t.layout, { round: 2, indices: [1, 4, 5] });
    const r = spawnSync(process.execPath, t.args('pod-a', ['--round', '2', '--index', '0', '--runs-per-pod', '2']), { cwd: t.dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(t.promoted()).toEqual(['run-000001', 'run-000004']);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { index: number }).index)).toEqual([1, 4]);
    const past = spawnSync(process.execPath, t.args('pod-b', ['--round', '2', '--index', '2', '--runs-per-pod', '2']), { cwd: t.dir, encoding: 'utf8' });
    expect(past.status).toBe(ErrorCodes.USAGE.exit);
    expect(past.stderr).toMatch(/completion index 2 is past the 3 runs of round 2 \(2 runs an index\)/);
    const missing = spawnSync(process.execPath, t.args('pod-c', ['--round', '3', '--index', '0']), { cwd: t.dir, encoding: 'utf8' });
    expect(missing.status).toBe(ErrorCodes.BAD_FILE.exit);
    expect(missing.stderr).toMatch(/round 3 has no run list/);
  });

  it('a failed run fails its pod with its code after the rest of the block ran; the termination message is its record', () => {
    const t = setup(tinySpec('pod'));
    const r = spawnSync(process.execPath, t.args('pod-a', ['--index', '0', '--runs-per-pod', '6', '--workers', '2']), { cwd: t.dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: 'corrupt-output:4' } });
    expect(r.status, r.stderr).toBe(ErrorCodes.INVALID_OUTPUT.exit);
    expect(t.promoted()).toEqual(['run-000000', 'run-000001', 'run-000002', 'run-000003', 'run-000005']);
    expect(FailureRecord.parse(JSON.parse(readFileSync(join(t.dir, 'log-pod-a'), 'utf8')))).toMatchObject({ run_id: 'run-000004', index: 4, code: 'INVALID_OUTPUT' });
  });

  it('a pod killed mid-block (SIGKILL) and its index run again: the runs promoted before are kept, after checking, the rest run, with the bytes of an uninterrupted sweep', async () => {
    const t = setup(SLOW_SPEC);
    const child = spawn(process.execPath, t.args('pod-a', ['--index', '0', '--runs-per-pod', '40', '--workers', '2']), { cwd: t.dir, stdio: 'ignore', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    while (t.promoted().length === 0) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const beforeKill = t.promoted();
    expect(beforeKill.length).toBeGreaterThan(0);
    expect(beforeKill.length).toBeLessThan(40);

    const again = spawnSync(process.execPath, t.args('pod-b', ['--index', '0', '--runs-per-pod', '40', '--workers', '2']), { cwd: t.dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    expect(again.status, again.stderr).toBe(0);
    expect(t.promoted()).toHaveLength(40);
    // Each run was promoted once: those finished before the kill by the first pod, the others by the second.
    for (const runId of beforeKill) expect(t.attemptOf(runId)).toBe('pod-a');
    expect(t.promoted().filter((id) => t.attemptOf(id) === 'pod-b').length).toBeGreaterThan(0);

    const clean = mkdtempSync(join(tmpdir(), 'swarmlab-run-block-clean-'));
    dirs.push(clean);
    const exp = parseExperimentText(SLOW_SPEC);
    await runLocal(exp, { store: new FileStore(clean), registry: builtinRegistry, workers: 1 });
    for (const runId of t.promoted()) {
      expect(readFileSync(join(t.dir, 'store', t.layout.runRecord(runId)), 'utf8'), runId).toBe(readFileSync(join(clean, t.layout.runRecord(runId)), 'utf8'));
    }
  });

  it('a pod asked to stop (SIGTERM) finishes its runs in flight, starts no more, and exits INTERRUPTED (retried), naming the first run not started', async () => {
    const t = setup(SLOW_SPEC);
    const child = spawn(process.execPath, t.args('pod-a', ['--index', '0', '--runs-per-pod', '40']), { cwd: t.dir, stdio: 'ignore', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (t.promoted().length === 0) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    expect(await exited).toBe(ErrorCodes.INTERRUPTED.exit);
    const done = t.promoted();
    expect(done.length).toBeLessThan(40);
    const record = FailureRecord.parse(JSON.parse(readFileSync(join(t.dir, 'log-pod-a'), 'utf8')));
    expect(record).toMatchObject({ code: 'INTERRUPTED', index: done.length, message: expect.stringContaining(`after ${done.length} of 40 runs of its block`) });
    // The runs it finished are whole: every one has its files as run.json records them (a resume keeps them all).
    const resumed = spawnSync(process.execPath, t.args('pod-b', ['--index', '0', '--runs-per-pod', '40']), { cwd: t.dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    expect(resumed.status, resumed.stderr).toBe(0);
    for (const runId of done) expect(t.attemptOf(runId)).toBe('pod-a');
  });
});
