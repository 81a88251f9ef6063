import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { ExperimentLayout, REPORT_FILE } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { readBuiltFile } from './read-built-file.ts';

// What the operator's API serves as an experiment's report: only the bytes
// the results index built from the current manifest records.

const exp = parseExperimentText(tinySpec('served'));
const layout = ExperimentLayout.of(exp);
let dir: string;
let store: FileStore;
let manifestDigest: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-built-'));
  store = new FileStore(dir);
  manifestDigest = (await runLocal(exp, { store, registry: builtinRegistry, workers: 1 })).manifest.digest;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readBuiltFile', () => {
  it('hands out the report the results index records, and nothing for another manifest', async () => {
    const read = await readBuiltFile(store, layout, REPORT_FILE, manifestDigest);
    expect(read.found).toBe(true);
    if (read.found) expect(read.bytes.equals(readFileSync(join(dir, layout.table(REPORT_FILE))))).toBe(true);
    const other = await readBuiltFile(store, layout, REPORT_FILE, '0'.repeat(64));
    expect(other).toMatchObject({ found: false, why: 'absent' });
  });

  it('refuses a report whose bytes were changed, and says it is not built when the index is gone', async () => {
    const path = join(dir, layout.table(REPORT_FILE));
    const original = readFileSync(path);
    writeFileSync(path, Buffer.concat([original, Buffer.from('<!-- edited -->')]));
    expect(await readBuiltFile(store, layout, REPORT_FILE, manifestDigest)).toMatchObject({ found: false, why: 'altered', message: expect.stringContaining('results-index.json') });
    unlinkSync(path);
    expect(await readBuiltFile(store, layout, REPORT_FILE, manifestDigest)).toMatchObject({ found: false, why: 'altered', message: expect.stringContaining('missing') });
    writeFileSync(path, original);
    unlinkSync(join(dir, layout.resultsIndex));
    expect(await readBuiltFile(store, layout, REPORT_FILE, manifestDigest)).toMatchObject({ found: false, why: 'absent' });
  });
});
