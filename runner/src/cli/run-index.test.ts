import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.ts';
import { FailureRecord } from '../outputs/schemas.ts';
import { parseExperimentText } from '../spec/load.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { FileStore } from '../store/file-store.ts';
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

describe('run-index --round', { timeout: 30_000 }, () => {
  it('runs the run at the index\'s position of the round\'s run list in the store, and refuses a position past its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-run-round-'));
    dirs.push(dir);
    const yaml = tinySpec('pod');
    writeFileSync(join(dir, 'exp.yaml'), yaml);
    const layout = ExperimentLayout.of(parseExperimentText(yaml));
    await storeRoundFile(new FileStore(join(dir, 'store')), layout, { round: 2, indices: [1, 4, 5] });
    const run = (index: number) => spawnSync(process.execPath, [bin, 'run-index', '--spec', 'exp.yaml', '--round', '2', '--index', String(index), '--store', `file://${dir}/store`], { cwd: dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_FAILPOINT: '' } });
    const r = run(1);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ run: 'run-000004', index: 4, status: 'succeeded' });
    expect(existsSync(join(dir, 'store', layout.runRecord('run-000004')))).toBe(true);
    const past = run(3);
    expect(past.status).toBe(ErrorCodes.USAGE.exit);
    expect(past.stderr).toMatch(/completion index 3 is past the 3 runs of round 2/);
  });
});

describe('run-index failure record', { timeout: 30_000 }, () => {
  it('writes the failure record to the termination message file and the store, and exits with the code\'s status', () => {
    const r = runIndex(2, { SWARMLAB_FAILPOINT: 'corrupt-output:2' });
    expect(r.code, r.stderr).toBe(ErrorCodes.INVALID_OUTPUT.exit);
    const text = readFileSync(r.log, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    const record = FailureRecord.parse(JSON.parse(text));
    expect(record).toMatchObject({ run_id: 'run-000002', index: 2, code: 'INVALID_OUTPUT', attempt: 'pod-a' });
    expect(record.message).toMatch(/events\.jsonl/);
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
