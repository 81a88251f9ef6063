import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { fileEntry } from '../outputs/check-run.ts';
import { runDigest } from '../outputs/digests.ts';
import type { RunRecord } from '../outputs/schemas.ts';
import { TRACE_WRITER_PARTS, TRACE_WRITER_STAMP } from '../outputs/trace-writer-stamp.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { runLocal } from './local-executor.ts';

// The Parquet writer is part of the code a run records: a writer upgrade is
// told apart from a stored run that changed, and never mixes silently.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const OLD_WRITER = { package: 'hyparquet-writer', version: '0.16.0 (hyparquet 1.30.0, zstd 1.5.6)', digest: 'a'.repeat(64) };

async function sweep(extra = ''): Promise<{ store: FileStore; set: string; exp: ReturnType<typeof parseExperimentText>; digest: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-writer-'));
  dirs.push(dir);
  const exp = parseExperimentText(tinySpec('writer', extra));
  const store = new FileStore(dir);
  const first = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
  expect(first.succeeded).toBe(6);
  return { store, exp, set: join(dir, 'writer', readdirSync(join(dir, 'writer'))[0]!), digest: first.manifest.digest };
}

/** Rewrites run.json as if another writer had made the run (and, with `bytes`, written other bytes for its events.parquet). */
function madeByOldWriter(set: string, run: string, bytes?: (b: Buffer) => Buffer): void {
  const dir = join(set, 'runs', run);
  const path = join(dir, 'run.json');
  chmodSync(path, 0o644);
  const rec = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  if (bytes !== undefined) {
    const file = join(dir, 'events.parquet');
    chmodSync(file, 0o644);
    writeFileSync(file, bytes(readFileSync(file)));
  }
  const files = rec.files.map((f) => (f.name === 'events.parquet' ? fileEntry(f.name, readFileSync(join(dir, f.name))) : f));
  const code = (rec.code ?? []).map((c) => (c.package === OLD_WRITER.package ? OLD_WRITER : c));
  const { digest: _d, ...fields } = { ...rec, files, code };
  writeFileSync(path, `${JSON.stringify({ ...fields, digest: runDigest(fields) }, null, 2)}\n`);
}

describe('the Parquet writer in a run\'s code', { timeout: 60_000 }, () => {
  it('is pinned: package.json holds the exact versions installed, and the stamp names them and zstd\'s', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of ['hyparquet', 'hyparquet-writer']) {
      expect(pkg.dependencies[name], name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(TRACE_WRITER_PARTS[name], name).toBe(pkg.dependencies[name]);
    }
    const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { version: string }> };
    expect(lock.packages['node_modules/hyparquet-writer']?.version).toBe(TRACE_WRITER_PARTS['hyparquet-writer']);
    expect(TRACE_WRITER_STAMP.version).toBe(`${pkg.dependencies['hyparquet-writer']} (hyparquet ${pkg.dependencies['hyparquet']}, zstd ${process.versions.zstd})`);
  });

  it('is recorded by Parquet runs and not by text runs', async () => {
    const parquet = await sweep();
    const text = await sweep('  output:\n    trace: { format: text }\n');
    const codeOf = (set: string) => (JSON.parse(readFileSync(join(set, 'runs', 'run-000000', 'run.json'), 'utf8')) as RunRecord).code?.map((c) => c.package);
    expect(codeOf(parquet.set)).toEqual(['hyparquet-writer', 'swarmlab']);
    expect(codeOf(text.set)).toEqual(['swarmlab']);
  });

  it('a run made by another writer is made again: the same bytes keep it under this writer, with no conflict', async () => {
    const { store, set, exp, digest } = await sweep();
    madeByOldWriter(set, 'run-000002');
    const again = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    expect(again.failed).toBe(0);
    expect(again.resumed).toBe(5);
    expect(again.manifest.digest).toBe(digest);
    const rec = JSON.parse(readFileSync(join(set, 'runs', 'run-000002', 'run.json'), 'utf8')) as RunRecord;
    expect(rec.code).toContainEqual(TRACE_WRITER_STAMP);
    expect((await validateResults(store, builtinRegistry, `writer/${set.split('/').pop()!}`)).problems).toEqual([]);
  });

  it('a run another writer made with other bytes: a conflict naming both writers, the stored bytes kept', async () => {
    const { store, set, exp } = await sweep();
    // Other bytes for the same trace: the file as another writer might write it (here, with bytes after its footer).
    madeByOldWriter(set, 'run-000001', (b) => Buffer.concat([b, Buffer.from('other writer')]));
    const kept = readFileSync(join(set, 'runs', 'run-000001', 'events.parquet'));
    const again = await runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    expect(again.failures.get(1)?.code).toBe('OUTPUT_CONFLICT');
    expect(again.failures.get(1)?.message).toContain(`the stored run was made by hyparquet-writer@${OLD_WRITER.version} (code aaaaaaaaaaaa)`);
    expect(again.failures.get(1)?.message).toContain(`this runner has hyparquet-writer@${TRACE_WRITER_STAMP.version} (code ${TRACE_WRITER_STAMP.digest.slice(0, 12)})`);
    expect(readFileSync(join(set, 'runs', 'run-000001', 'events.parquet')).equals(kept)).toBe(true);
  });
});
