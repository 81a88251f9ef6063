import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { fileEntry } from '../outputs/check-run.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { Manifest, SCHEMA_VERSION } from '../outputs/schemas.ts';
import { runLocal } from '../run/local-executor.ts';
import { sha256 } from '../spec/canonical.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { migrateResults } from './migrate-command.ts';

const work = mkdtempSync(join(tmpdir(), 'swarmlab-migrate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Json = Record<string, unknown>;
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Json;
const writeJson = (f: string, v: unknown) => writeFileSync(f, `${JSON.stringify(v, null, 2)}\n`);

/**
 * Rewrites a result set as schema 1.0.0 wrote it: every document at 1.0.0,
 * the run digest over `name:sha256` lines of the files, the manifest digest
 * over `run_id:digest` lines of the succeeded runs, no provenance field.
 */
function downgradeTo1(set: string): void {
  const m = readJson(join(set, 'manifest.json'));
  const lines: string[] = [];
  for (const run of m.runs as Json[]) {
    const dir = join(set, 'runs', run.run_id as string);
    const summaryPath = join(dir, 'summary.json');
    writeFileSync(summaryPath, readFileSync(summaryPath, 'utf8').replace(`"schema_version": "${SCHEMA_VERSION}"`, '"schema_version": "1.0.0"'));
    const rec = readJson(join(dir, 'run.json'));
    const files = (rec.files as { name: string }[]).map((f) => fileEntry(f.name, readFileSync(join(dir, f.name))));
    const digest = sha256([...files].sort((a, b) => (a.name < b.name ? -1 : 1)).map((f) => `${f.name}:${f.sha256}\n`).join(''));
    writeJson(join(dir, 'run.json'), { ...rec, schema_version: '1.0.0', files, digest });
    run.files = files;
    run.digest = digest;
    lines.push(`${run.run_id as string}:${digest}\n`);
  }
  const { provenance: _dropped, ...rest } = m;
  writeJson(join(set, 'manifest.json'), { ...rest, schema_version: '1.0.0', digest: sha256(lines.join('')) });
}

describe('swarmlab migrate from schema 1.0.0', { timeout: 60_000 }, () => {
  it('upgrades a 1.0.0 result set: documents at the current version, digests recomputed, provenance recorded, and the copy validates', async () => {
    const exp = parseExperimentText(tinySpec('old'));
    const first = await runLocal(exp, { store: new FileStore(join(work, 'src')), registry: builtinRegistry, workers: 1 });
    const setRel = join('old', readdirSync(join(work, 'src', 'old'))[0]!);
    const set = join(work, 'src', setRel);
    downgradeTo1(set);
    const old = await validateResults(new FileStore(set), builtinRegistry);
    expect(old.problems).toEqual(['manifest.json: schema_version: 1.0.0 is not 2.x; upgrade a copy with swarmlab migrate']);

    const dest = new FileStore(join(work, 'dest'));
    const report = await migrateResults(new FileStore(set), dest, builtinRegistry);
    expect(report.applied).toEqual([
      'manifest 1.0.0 -> 2.0.0', 'manifest 2.0.0 -> 2.1.0', 'manifest 2.1.0 -> 2.2.0', 'manifest 2.2.0 -> 2.3.0', 'manifest 2.3.0 -> 2.4.0',
      'run-record 1.0.0 -> 2.0.0', 'run-record 2.0.0 -> 2.1.0', 'run-record 2.1.0 -> 2.2.0', 'run-record 2.2.0 -> 2.3.0', 'run-record 2.3.0 -> 2.4.0',
      'summary 1.0.0 -> 2.0.0', 'summary 2.0.0 -> 2.1.0', 'summary 2.1.0 -> 2.2.0', 'summary 2.2.0 -> 2.3.0', 'summary 2.3.0 -> 2.4.0',
    ]);
    expect((await validateResults(dest, builtinRegistry)).problems).toEqual([]);
    const m = Manifest.parse(readJson(join(work, 'dest', 'manifest.json')));
    expect(m.schema_version).toBe(SCHEMA_VERSION);
    expect(m.provenance.files).toHaveLength(6);
    // The same results as a fresh run of this version: the same digest.
    expect(m.digest).toBe(first.manifest.digest);
    expect(readFileSync(join(work, 'dest', 'provenance', 'run-000002.json'), 'utf8')).toBe(readFileSync(join(set, 'provenance', 'run-000002.json'), 'utf8'));
  });
});
