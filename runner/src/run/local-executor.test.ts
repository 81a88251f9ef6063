import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { FAILPOINT_ENV } from './failpoints.ts';
import { runLocal } from './local-executor.ts';
import { tinySpec } from '../testing/tiny-spec.ts';

// The local pool: worker processes, and what happens when one dies mid-run.

const spec = (retries: number) => tinySpec('pool', `  execution:\n    retries: ${retries}\n`);

const dirs: string[] = [];
function store(): FileStore {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-pool-'));
  dirs.push(dir);
  return new FileStore(dir);
}

afterEach(() => {
  delete process.env[FAILPOINT_ENV];
  delete process.env.SWARMLAB_FAILPOINT_ONCE;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('runLocal worker pool', { timeout: 60_000 }, () => {
  it('gives the same manifest digest with 1 worker (in this process) and 2 worker processes', async () => {
    const exp = parseExperimentText(spec(0));
    const one = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 1 });
    const two = await runLocal(exp, { store: store(), registry: builtinRegistry, workers: 2 });
    expect(two.succeeded).toBe(6);
    expect(two.manifest.digest).toBe(one.manifest.digest);
  });

  it('a worker that dies fails only its runs in flight, is replaced, and the rest of the sweep completes', async () => {
    process.env[FAILPOINT_ENV] = 'crash-worker:4';
    const r = await runLocal(parseExperimentText(spec(0)), { store: store(), registry: builtinRegistry, workers: 2 });
    const lost = { code: 'RUN_FAILED', message: 'worker process exited (code 70) while running this run' };
    expect(r.failures.get(4)).toEqual(lost);
    // The worker had up to two runs in flight: both are lost with it (and retried, if the spec allows).
    expect(r.failed).toBeLessThanOrEqual(2);
    for (const f of r.failures.values()) expect(f).toEqual(lost);
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
});
