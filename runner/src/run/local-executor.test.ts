import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { FAILPOINT_ENV } from './failpoints.ts';
import { runLocal } from './local-executor.ts';
import { WorkerPool } from './worker-pool.ts';
import { tinySpec } from '../testing/tiny-spec.ts';

// The local pool: worker processes, and what happens when one dies mid-run.

const spec = (retries: number) => tinySpec('pool', `  execution:\n    retries: ${retries}\n`);

const dirs: string[] = [];
function store(): FileStore {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-pool-'));
  dirs.push(dir);
  return new FileStore(dir);
}

/** Resolves once every worker of the pool has exited; fails the test after 10 s. */
async function allExited(pool: WorkerPool): Promise<void> {
  for (let waited = 0; pool.running > 0; waited += 20) {
    if (waited > 10_000) throw new Error(`${pool.running} worker processes still running`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(() => {
  delete process.env[FAILPOINT_ENV];
  delete process.env.SWARMLAB_FAILPOINT_ONCE;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('runLocal worker pool', { timeout: 60_000 }, () => {
  it('gives the same manifest digest with 1 worker (in this process) and 2 worker processes (the default Parquet trace)', async () => {
    const exp = parseExperimentText(spec(0));
    expect(exp.spec.output.trace).toBeUndefined();
    const one = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 1 });
    const two = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 2 });
    expect(two.succeeded).toBe(6);
    expect(two.manifest.digest).toBe(one.manifest.digest);
  });

  it('gives the same manifest digest with 1 and 2 workers for every trace level and format', async () => {
    const traces = [
      { level: 'complete', format: 'text' },
      { level: 'sampled', every: 7 },
      { level: 'sampled', every: 7, format: 'text' },
      { level: 'final' },
    ] as const;
    const digests = new Set<string>();
    for (const trace of traces) {
      const exp = parseExperimentText(spec(0));
      exp.spec.output = { ...exp.spec.output, trace: { format: 'parquet', ...trace } };
      const one = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 1 });
      const two = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 2 });
      expect(two.succeeded).toBe(6);
      expect(two.manifest.digest, JSON.stringify(trace)).toBe(one.manifest.digest);
      digests.add(one.manifest.digest);
    }
    expect(digests.size).toBe(traces.length);
  });

  it('a worker that dies fails only its runs in flight, is replaced, and the rest of the sweep completes', async () => {
    process.env[FAILPOINT_ENV] = 'crash-worker:4';
    const r = await runLocal(parseExperimentText(spec(0)), { store: store(), registry: builtinRegistry, workers: 2 });
    const lost = { code: 'RUN_FAILED', message: 'worker process exited (code 70) while running this run' };
    expect(r.failures.get(4)).toEqual({ index: 4, ...lost });
    // The worker had up to two runs in flight: both are lost with it (and retried, if the spec allows).
    expect(r.failed).toBeLessThanOrEqual(2);
    for (const f of r.failures.values()) expect(f).toMatchObject(lost);
    expect(r.succeeded + r.failed).toBe(6);
    expect(r.manifest.runs.filter((x) => x.status === 'succeeded')).toHaveLength(r.succeeded);
  });

  it('a run lost with its worker is retried when the spec allows it', async () => {
    const once = join(mkdtempSync(join(tmpdir(), 'swarmlab-once-')), 'crashed');
    dirs.push(once);
    process.env[FAILPOINT_ENV] = 'crash-worker:1';
    process.env.SWARMLAB_FAILPOINT_ONCE = once;
    const r = await runLocal(parseExperimentText(spec(1)), { store: store(), registry: builtinRegistry, workers: 2 });
    expect(r.failed).toBe(0);
    expect(r.succeeded).toBe(6);
  });

  it('uses workers started before the experiment was read, starts more when asked for more, and leaves none running', async () => {
    const exp = parseExperimentText(spec(0));
    const one = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 1 });
    const pool = WorkerPool.start(1);
    const three = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 3, pool });
    expect(three.succeeded).toBe(6);
    expect(three.manifest.digest).toBe(one.manifest.digest);
    await allExited(pool);
  });

  it('stops prestarted workers the sweep does not use, also when the sweep is refused', async () => {
    const exp = parseExperimentText(spec(0));
    const unused = WorkerPool.start(2);
    expect(unused.running).toBe(2);
    const inProcess = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 1, pool: unused });
    expect(inProcess.succeeded).toBe(6);
    await allExited(unused);

    const refused = WorkerPool.start(2);
    process.env[FAILPOINT_ENV] = 'no-such-failpoint';
    await expect(runLocal(exp, { store: store(), registry: builtinRegistry, workers: 2, pool: refused })).rejects.toMatchObject({ code: 'USAGE' });
    await allExited(refused);
  });

  it('passes over a prestarted worker that died before the sweep began', async () => {
    // Workers read the failpoint at start: an unknown one makes each exit at once.
    process.env[FAILPOINT_ENV] = 'no-such-failpoint';
    const pool = WorkerPool.start(2);
    await allExited(pool);
    delete process.env[FAILPOINT_ENV];
    const r = await runLocal(parseExperimentText(spec(0)), { store: store(), registry: builtinRegistry, workers: 2, pool });
    expect(r.failed).toBe(0);
    expect(r.succeeded).toBe(6);
  });
});
