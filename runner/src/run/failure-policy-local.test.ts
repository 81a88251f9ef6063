import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { FailureRecord } from '../outputs/schemas.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { FAILPOINT_ENV } from './failpoints.ts';
import { runLocal } from './local-executor.ts';

// The local executor follows the error table (errors.ts `retryable`) and the
// failure budget (spec.execution.maxFailedRuns), as the Jobs do.

const spec = (execution: string) => parseExperimentText(tinySpec('policy', `  execution:\n${execution}`));

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-policy-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  delete process.env[FAILPOINT_ENV];
  delete process.env.SWARMLAB_FAILPOINT_ONCE;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('local failure policy', { timeout: 60_000 }, () => {
  it('retries a run that failed with a retryable code (a store outage) and records the failure when retries run out', async () => {
    process.env[FAILPOINT_ENV] = 'store-error:1';
    process.env.SWARMLAB_FAILPOINT_ONCE = join(tempDir(), 'once');
    const retried = await runLocal(spec('    retries: 1\n'), { store: new FileStore(tempDir()), registry: builtinRegistry, workers: 1 });
    expect(retried.failed).toBe(0);
    expect(retried.succeeded).toBe(6);

    delete process.env.SWARMLAB_FAILPOINT_ONCE;
    const dir = tempDir();
    const exp = spec('    retries: 0\n');
    const failed = await runLocal(exp, { store: new FileStore(dir), registry: builtinRegistry, workers: 1 });
    expect(failed.failures.get(1)).toMatchObject({ index: 1, code: 'STORE_ERROR', attempt: 'local-0' });
    // The per-run record in the store, the same shape a runner pod writes.
    const record = FailureRecord.parse(JSON.parse(readFileSync(join(dir, ExperimentLayout.of(exp).failure('run-000001')), 'utf8')));
    expect(record).toMatchObject({ run_id: 'run-000001', index: 1, code: 'STORE_ERROR' });
  });

  it('does not retry a run that failed with a non-retryable code, whatever retries allows', async () => {
    process.env[FAILPOINT_ENV] = 'corrupt-output:2';
    const r = await runLocal(spec('    retries: 2\n'), { store: new FileStore(tempDir()), registry: builtinRegistry, workers: 1 });
    expect(r.succeeded).toBe(5);
    // One attempt only: a retry would have been local-1, then local-2.
    expect(r.failures.get(2)).toMatchObject({ code: 'INVALID_OUTPUT', attempt: 'local-0' });
  });

  it('stops starting runs once more than maxFailedRuns have failed, and the manifest names the runs not started', async () => {
    process.env[FAILPOINT_ENV] = 'corrupt-output';
    const r = await runLocal(spec('    maxFailedRuns: 1\n'), { store: new FileStore(tempDir()), registry: builtinRegistry, workers: 1 });
    const tried = [...r.failures.values()].filter((f) => f.code === 'INVALID_OUTPUT');
    // Two runs over the budget of one stop the sweep; at most the other run in flight finishes too.
    expect(tried.length).toBeGreaterThanOrEqual(2);
    expect(tried.length).toBeLessThanOrEqual(3);
    expect(r.notStarted).toBe(6 - tried.length);
    expect(r.failed).toBe(6);
    const notStarted = r.manifest.runs.filter((x) => x.error?.code === 'NOT_STARTED');
    expect(notStarted).toHaveLength(r.notStarted);
    for (const run of notStarted) expect(run.error?.message).toMatch(/not started: \d runs failed, more than spec\.execution\.maxFailedRuns \(1\)/);
    expect(r.manifest.counts).toEqual({ total: 6, succeeded: 0, failed: 6 });
  });

  it('tries every run when maxFailedRuns is unset', async () => {
    process.env[FAILPOINT_ENV] = 'corrupt-output';
    const r = await runLocal(spec('    retries: 0\n'), { store: new FileStore(tempDir()), registry: builtinRegistry, workers: 1 });
    expect(r.notStarted).toBe(0);
    expect([...r.failures.values()].every((f) => f.code === 'INVALID_OUTPUT')).toBe(true);
    expect(r.failed).toBe(6);
  });

  it('keeps the budget with worker processes too', async () => {
    process.env[FAILPOINT_ENV] = 'corrupt-output';
    const r = await runLocal(spec('    maxFailedRuns: 0\n'), { store: new FileStore(tempDir()), registry: builtinRegistry, workers: 2 });
    const tried = [...r.failures.values()].filter((f) => f.code === 'INVALID_OUTPUT').length;
    // Two workers with two runs in flight each: at most four started.
    expect(tried).toBeGreaterThanOrEqual(1);
    expect(tried).toBeLessThanOrEqual(4);
    expect(r.notStarted).toBe(6 - tried);
  });
});
