import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { runLocal } from './local-executor.ts';

// Resume keeps a finished run only while its files match its record.

const exp = parseExperimentText(tinySpec('resume'));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function finishedSweep(): Promise<{ dir: string; set: string; store: FileStore; digest: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-resume-'));
  dirs.push(dir);
  const store = new FileStore(dir);
  const first = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
  expect(first.succeeded).toBe(6);
  const set = join(dir, 'resume', readdirSync(join(dir, 'resume'))[0]!);
  return { dir, set, store, digest: first.manifest.digest };
}

function edit(file: string, change: (text: string) => string): void {
  chmodSync(file, 0o644);
  writeFileSync(file, change(readFileSync(file, 'utf8')));
}

/** Changes one byte in the middle of a file, as a bad disk or a careless edit would. */
function flipByte(file: string): void {
  chmodSync(file, 0o644);
  const bytes = readFileSync(file);
  const at = bytes.length >> 1;
  bytes[at] = (bytes[at] as number) ^ 0xff;
  writeFileSync(file, bytes);
}

describe('resume re-checks the runs it keeps', { timeout: 60_000 }, () => {
  it('a corrupted metrics.parquet: the run is failed with OUTPUT_CONFLICT and a hint, never counted as done, and the manifest does not claim it', async () => {
    const { set, store, digest } = await finishedSweep();
    const metrics = join(set, 'runs', 'run-000002', 'metrics.parquet');
    const original = readFileSync(metrics);
    flipByte(metrics);

    const again = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    expect(again.resumed).toBe(5);
    expect(again.succeeded).toBe(5);
    const failure = again.failures.get(2);
    expect(failure?.code).toBe('OUTPUT_CONFLICT');
    expect(failure?.message).toMatch(/the stored run no longer matches its run\.json \(metrics\.parquet: sha256 [0-9a-f]{64}, recorded [0-9a-f]{64}\)/);
    expect(failure?.message).toContain("delete this run's folder to run it again");
    expect(again.manifest.runs[2]).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_CONFLICT' } });
    expect(again.manifest.digest).not.toBe(digest);
    // Write-once: the changed bytes are reported, never overwritten.
    expect(readFileSync(metrics).equals(original)).toBe(false);

    // The hint works: without the run's folder, the next resume runs it again, to the first digest.
    rmSync(join(set, 'runs', 'run-000002'), { recursive: true });
    const repaired = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    expect(repaired.failed).toBe(0);
    expect(repaired.manifest.digest).toBe(digest);
    expect((await validateResults(store, builtinRegistry, 'resume/' + set.split('/').pop()!)).problems).toEqual([]);
  });

  it('a run file deleted: the run is run again and its file written anew (the key was free), to the same digest', async () => {
    const { set, store, digest } = await finishedSweep();
    rmSync(join(set, 'runs', 'run-000004', 'events.parquet'));
    const again = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    expect(again.failed).toBe(0);
    expect(again.resumed).toBe(5);
    expect(again.manifest.digest).toBe(digest);
  });

  it('params edited in run.json: the run no longer matches its plan and is not kept', async () => {
    const { set, store } = await finishedSweep();
    edit(join(set, 'runs', 'run-000001', 'run.json'), (t) => t.replace('"arrivals.rate": 0.4', '"arrivals.rate": 0.8'));
    const again = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    expect(again.failures.get(1)).toMatchObject({ code: 'OUTPUT_CONFLICT', message: expect.stringContaining('run.json: params {"arrivals.rate":0.8}, the plan gives {"arrivals.rate":0.4}') });
    expect(again.succeeded).toBe(5);
  });

  it('the manifest records each run\'s provenance file, resumed or not', async () => {
    const { set, store } = await finishedSweep();
    const again = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    expect(again.resumed).toBe(6);
    expect(again.manifest.provenance.files.map((f) => f.run_id)).toEqual(['run-000000', 'run-000001', 'run-000002', 'run-000003', 'run-000004', 'run-000005']);
    const bytes = readFileSync(join(set, 'provenance', 'run-000003.json'));
    expect(again.manifest.provenance.files[3]?.size).toBe(bytes.byteLength);
  });
});
