import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatFailureRecord } from '../outputs/failure-record.ts';
import { FileStore } from '../store/file-store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { readFailureRecords, storeFailureRecord } from './report-failure.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('failure records in the store', () => {
  it('reads back every run\'s record by index, skipping malformed and misplaced ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-failures-'));
    dirs.push(dir);
    const store = new FileStore(dir);
    const layout = new ExperimentLayout('exp', 'a'.repeat(64));
    await storeFailureRecord(store, layout, 'run-000003', { index: 3, code: 'INVALID_OUTPUT', message: 'bad line', attempt: 'p-1' });
    await storeFailureRecord(store, layout, 'run-000004', { index: 4, code: 'STORE_ERROR', message: 'timeout' });
    await store.put(layout.failure('run-000005'), 'swarmlab: RUN_FAILED: not a record');
    await store.put(layout.failure('run-000006'), formatFailureRecord('run-000007', { index: 7, code: 'RUN_FAILED', message: 'under another run\'s key' }));
    const read = await readFailureRecords(store, layout);
    expect([...read.entries()].sort(([a], [b]) => a - b)).toEqual([
      [3, { index: 3, code: 'INVALID_OUTPUT', message: 'bad line', attempt: 'p-1' }],
      [4, { index: 4, code: 'STORE_ERROR', message: 'timeout' }],
    ]);
  });
});
