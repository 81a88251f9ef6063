import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { checkRunFiles, fileEntry } from '../outputs/check-run.ts';
import { StagedFile, StagingArea } from '../outputs/staged-file.ts';
import { parseExperimentText } from '../spec/load.ts';
import { planRun } from '../spec/plan.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { executeRun } from './execute.ts';
import { FAILPOINT_ENV } from './failpoints.ts';
import { runLocal } from './local-executor.ts';

// A run's Parquet trace is streamed to a staging folder as the run goes,
// checked there by range, and copied to its final keys only once valid.

const dirs: string[] = [];
const tmp = process.env.TMPDIR;
afterEach(() => {
  delete process.env[FAILPOINT_ENV];
  if (tmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = tmp;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'swarmlab-staging-test-'));
  dirs.push(d);
  return d;
}

describe('the staged trace', { timeout: 60_000 }, () => {
  it('streams the same bytes as the in-memory writer to staging files, hashed as written, and checked there', async () => {
    const exp = parseExperimentText(tinySpec('staged'));
    const inMemory = executeRun(exp, planRun(exp, 4), builtinRegistry);
    // Spill at 0 bytes: every file goes to the staging folder.
    const staging = new StagingArea(dir(), 0);
    const staged = executeRun(exp, planRun(exp, 4), builtinRegistry, undefined, staging);
    expect(staged.files.names()).toEqual(inMemory.files.names());
    for (const name of ['events.parquet', 'metrics.parquet']) {
      const file = staged.files.source(name);
      expect(file).toBeInstanceOf(StagedFile);
      expect(readFileSync((file as StagedFile).path).equals(inMemory.files.bytes(name)!), name).toBe(true);
      expect(fileEntry(name, file as StagedFile)).toEqual(fileEntry(name, inMemory.files.bytes(name)!));
    }
    expect(await checkRunFiles(staged.files, builtinRegistry)).toEqual([]);
    staging.remove();
  });

  it('keeps a file in memory until it outgrows the spill size, then streams it on into the staging folder, the same bytes either way', () => {
    const exp = parseExperimentText(tinySpec('staged'));
    const inMemory = executeRun(exp, planRun(exp, 4), builtinRegistry);
    const events = inMemory.files.bytes('events.parquet')!;
    const metrics = inMemory.files.bytes('metrics.parquet')!;
    const parent = dir();
    // Between the two files' sizes: the larger one spills, the smaller one stays in memory.
    const spill = Math.floor((events.length + metrics.length) / 2);
    expect(Math.min(events.length, metrics.length)).toBeLessThan(spill);
    const staging = new StagingArea(parent, spill);
    const run = executeRun(exp, planRun(exp, 4), builtinRegistry, undefined, staging);
    for (const [name, bytes] of [['events.parquet', events], ['metrics.parquet', metrics]] as const) {
      const source = run.files.source(name);
      expect(source, name).toBeInstanceOf(bytes.length > spill ? StagedFile : Buffer);
      expect(source instanceof StagedFile ? readFileSync(source.path).equals(bytes) : source?.equals(bytes), name).toBe(true);
    }
    expect(readdirSync(parent)).toHaveLength(1);
    staging.remove();
    expect(readdirSync(parent)).toEqual([]);
    // Under the spill size, no staging folder is made at all.
    const small = new StagingArea(parent);
    executeRun(exp, planRun(exp, 4), builtinRegistry, undefined, small);
    expect(readdirSync(parent)).toEqual([]);
    small.remove();
  });

  it('leaves no staging folder behind, for a run promoted or refused, and writes nothing final for the refused one', async () => {
    const root = dir();
    process.env.TMPDIR = dir();
    process.env[FAILPOINT_ENV] = 'corrupt-output:2';
    const r = await runLocal(parseExperimentText(tinySpec('staged')), { store: new FileStore(root), registry: builtinRegistry, workers: 1 });
    expect(r.succeeded).toBe(5);
    expect(r.failures.get(2)?.code).toBe('INVALID_OUTPUT');
    expect(r.failures.get(2)?.message).toMatch(/: 1 problem\(s\): events\.parquet: not a Parquet file this runner can read/);
    expect(readdirSync(process.env.TMPDIR)).toEqual([]);
    const set = join(root, 'staged', readdirSync(join(root, 'staged'))[0]!);
    expect(readdirSync(join(set, 'runs')).sort()).toEqual(['run-000000', 'run-000001', 'run-000003', 'run-000004', 'run-000005']);
  });
});
