import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { downloadResults } from './download-results.ts';

const exp = parseExperimentText(tinySpec('fetched'));
const layout = ExperimentLayout.of(exp);
let dir: string;
let store: FileStore;
let digest: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-download-'));
  store = new FileStore(join(dir, 'store'));
  digest = (await runLocal(exp, { store, registry: builtinRegistry, workers: 1 })).manifest.digest;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('downloadResults', () => {
  it('copies the manifest, the index, the tables and the report; with runs, every file of the set, as stored', async () => {
    const small = join(dir, 'small');
    await downloadResults(store, layout, digest, small);
    expect(readdirSync(small).sort()).toEqual(['manifest.json', 'report.html', 'results-index.json', 'results.csv', 'results.parquet', 'statistics.csv', 'statistics.parquet']);
    const all = join(dir, 'all');
    const written = await downloadResults(store, layout, digest, all, { runs: true });
    expect(readdirSync(join(all, 'runs'))).toHaveLength(6);
    for (const path of written) expect(readFileSync(path).equals(readFileSync(join(dir, 'store', layout.root, path.slice(all.length + 1)))), path).toBe(true);
    // Again into the same folder: the same bytes, nothing refused.
    expect(await downloadResults(store, layout, digest, all, { runs: true })).toEqual(written);
  });

  it('writes nothing when the folder holds a file with other bytes, and refuses tables of another manifest', async () => {
    const mine = join(dir, 'mine');
    await downloadResults(store, layout, digest, mine);
    writeFileSync(join(mine, 'results.csv'), 'edited\n');
    await expect(downloadResults(store, layout, digest, mine, { runs: true })).rejects.toMatchObject({ code: 'BAD_FILE', message: expect.stringContaining('already exists with other content') });
    expect(existsSync(join(mine, 'runs'))).toBe(false);
    expect(readFileSync(join(mine, 'results.csv'), 'utf8')).toBe('edited\n');
    await expect(downloadResults(store, layout, '0'.repeat(64), join(dir, 'other'))).rejects.toMatchObject({ code: 'USAGE' });
    expect(existsSync(join(dir, 'other'))).toBe(false);
  });
});
