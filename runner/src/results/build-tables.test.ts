import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { Manifest } from '../outputs/schemas.ts';
import { FAILPOINT_ENV } from '../run/failpoints.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { ResultsLayout, TABLE_FILES } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { finishResults } from './finish.ts';

// The tables of a real sweep (6 runs of the tiny M/M/1 spec, run 4 failed by
// a failpoint), checked by pandas and SciPy against the run files, read back
// with hyparquet, and built again for their bytes.

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const exp = parseExperimentText(tinySpec('tables'));
let work: string;
let set: string;

function readManifest(dir: string): Manifest {
  return Manifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
}

async function sweep(workers: number, failRun?: number): Promise<string> {
  const dir = mkdtempSync(join(work, 'store-'));
  if (failRun !== undefined) process.env[FAILPOINT_ENV] = `corrupt-output:${failRun}`;
  try {
    await runLocal(exp, { store: new FileStore(dir), registry: builtinRegistry, workers });
  } finally {
    delete process.env[FAILPOINT_ENV];
  }
  const name = readdirSync(join(dir, 'tables'))[0] as string;
  return join(dir, 'tables', name);
}

async function build(dir: string): Promise<Map<string, Buffer>> {
  await finishResults(new FileStore(dir), new ResultsLayout(''), readManifest(dir));
  return new Map(TABLE_FILES.map((f) => [f, readFileSync(join(dir, f))]));
}

function arrayBuffer(file: string): ArrayBuffer {
  const bytes = readFileSync(file);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

async function readParquet(file: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: arrayBuffer(file) });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-tables-'));
  set = await sweep(1, 4);
  await build(set);
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('results tables', { timeout: 120_000 }, () => {
  it('load in pandas and pyarrow, and match the run files and SciPy statistics', () => {
    const python = process.env.PYDATA || execFileSync('bash', [join(repo, 'scripts/ensure-pypi-tool.sh'), 'pydata'], { encoding: 'utf8' }).trim();
    const out = execFileSync(python, [join(repo, 'runner/src/results/testdata/check-tables.py'), set], { encoding: 'utf8' });
    const report = JSON.parse(out) as { problems: string[]; rows: number; statistics: number; types: Record<string, string> };
    expect(report.problems).toEqual([]);
    expect(report.rows).toBe(6);
    // 2 points × the 6 final metrics of the scenario (arrivals.sent, arrivals.turnedAway, server.*).
    expect(report.statistics).toBe(12);
    expect(report.types).toMatchObject({ run_id: 'string', index: 'int64', seed: 'int64', point: 'int64', 'param.arrivals.rate': 'double', events: 'int64', 'summary.server.meanSojourn': 'double' });
  });

  it('a failed run is a row with its status and code and no outcome; n counts the runs that have the metric', async () => {
    const rows = await readParquet(join(set, 'results.parquet'));
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded']);
    expect(rows[4]).toMatchObject({ run_id: 'run-000004', error_code: 'INVALID_OUTPUT', events: null, 'metric.server.served': null });
    expect(rows[3]?.error_code).toBeNull();
    const stats = await readParquet(join(set, 'statistics.parquet'));
    const served = stats.filter((r) => r.metric === 'server.served');
    expect(served.map((r) => [r.point, r['param.arrivals.rate'], r.runs, r.n])).toEqual([
      [0n, 0.4, 3n, 3n],
      [1n, 0.8, 3n, 2n],
    ]);
    const meta = parquetMetadata(arrayBuffer(join(set, 'results.parquet')));
    expect(meta.key_value_metadata).toContainEqual({ key: 'swarmlab.manifest_digest', value: readManifest(set).digest });
  });

  it('the CSV holds the Parquet rows, quoted where needed', () => {
    const csv = readFileSync(join(set, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]?.startsWith('run_id,index,seed,point,param.arrivals.rate,status,error_code,end_reason,events,end_time,metric.')).toBe(true);
    expect(csv).toHaveLength(6 + 2);
    expect(csv[5]).toMatch(/^run-000004,4,\d+,1,0\.8,failed,INVALID_OUTPUT,,,,/);
  });

  it('gives the same bytes when built again, and from a sweep run by 2 worker processes', async () => {
    const first = new Map(TABLE_FILES.map((f) => [f, readFileSync(join(set, f))]));
    expect(await build(set)).toEqual(first);
    const one = await build(await sweep(1));
    const two = await build(await sweep(2));
    for (const f of TABLE_FILES) expect(two.get(f)?.equals(one.get(f) as Buffer), f).toBe(true);
    // Control: a sweep with a failed run gives other tables.
    expect(one.get('results.parquet')?.equals(first.get('results.parquet') as Buffer)).toBe(false);
  });

  it('refuses a summary that is not the bytes the manifest records, naming the file', async () => {
    const dir = await sweep(1);
    const file = join(dir, 'runs', 'run-000002', 'summary.json');
    chmodSync(file, 0o644);
    writeFileSync(file, `${readFileSync(file, 'utf8')} `);
    await expect(build(dir)).rejects.toMatchObject({ code: 'INVALID_OUTPUT', file: expect.stringContaining('runs/run-000002/summary.json') as unknown });
  });

  it('swarmlab run that cannot build the tables says so, and that the runs and the manifest are stored', async () => {
    const dir = mkdtempSync(join(work, 'store-'));
    // Reads of one summary give other bytes than were written, as a store whose object changed would.
    class AlteredRead extends FileStore {
      override async get(key: string): Promise<Buffer | undefined> {
        const bytes = await super.get(key);
        return key.endsWith('run-000001/summary.json') && bytes ? Buffer.concat([bytes, Buffer.from(' ')]) : bytes;
      }
    }
    const store = new AlteredRead(dir);
    const failure = runLocal(exp, { store, registry: builtinRegistry, workers: 1 });
    await expect(failure).rejects.toMatchObject({ code: 'INVALID_OUTPUT', message: expect.stringContaining('building the tables: summary.json: its bytes are not the ones manifest.json records') as unknown });
    await expect(failure).rejects.toMatchObject({ hint: expect.stringContaining('the runs and manifest.json are stored') as unknown });
    const name = readdirSync(join(dir, 'tables'))[0] as string;
    expect(readManifest(join(dir, 'tables', name)).counts.succeeded).toBe(6);
  });
});
