import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify, parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';

// swarmlab export --format text against what the text option writes: the
// same spec run once as text and once as Parquet (the default), the second
// exported, every run's files compared byte for byte.

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'swarmlab-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function swarmlab(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the spec as given and with format text; returns both result sets' folders. */
async function bothFormats(name: string, yaml: string, trace: Record<string, unknown> = {}): Promise<{ parquet: string; text: string }> {
  const folders: string[] = [];
  for (const format of ['parquet', 'text']) {
    const doc = parse(yaml) as { spec: { output?: Record<string, unknown> } };
    doc.spec.output = { ...doc.spec.output, trace: { ...trace, ...(format === 'text' ? { format } : {}) } };
    const exp = parseExperimentText(stringify(doc));
    const root = join(work, `${name}-${format}`);
    const r = await runLocal(exp, { store: new FileStore(root), registry: builtinRegistry, workers: 1 });
    expect(r.failed).toBe(0);
    folders.push(join(root, exp.metadata.name, readdirSync(join(root, exp.metadata.name))[0]!));
  }
  return { parquet: folders[0]!, text: folders[1]! };
}

/** Every run file the text option wrote (run.json aside) is in the export with the same bytes, and nothing else is. */
function expectSameRuns(textSet: string, exported: string): void {
  const runs = readdirSync(join(textSet, 'runs')).sort();
  expect(readdirSync(join(exported, 'runs')).sort()).toEqual(runs);
  for (const run of runs) {
    const names = readdirSync(join(textSet, 'runs', run)).filter((n) => n !== 'run.json').sort();
    expect(readdirSync(join(exported, 'runs', run)).sort(), run).toEqual(names);
    for (const n of names) expect(readFileSync(join(exported, 'runs', run, n)).equals(readFileSync(join(textSet, 'runs', run, n))), `${run}/${n}`).toBe(true);
  }
}

describe('swarmlab export', { timeout: 120_000 }, () => {
  it('writes, byte for byte, what the text option writes for the same runs (complete trace)', async () => {
    const sets = await bothFormats('tiny', tinySpec('tiny'));
    expect(readdirSync(join(sets.parquet, 'runs', 'run-000000')).sort()).toEqual(['events.parquet', 'metrics.parquet', 'run.json', 'summary.json']);
    const out = join(work, 'tiny-export');
    const r = swarmlab(['export', sets.parquet, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`exported 6 runs as text to ${out}\n`);
    expectSameRuns(sets.text, out);
  });

  it('does the same for a sampled trace and a scenario whose modules write files of their own', async () => {
    const sampled = await bothFormats('sampled', tinySpec('sampled'), { level: 'sampled', every: 5 });
    const out = join(work, 'sampled-export');
    expect(swarmlab(['export', sampled.parquet, '--format', 'text', '--out', out]).code).toBe(0);
    expectSameRuns(sampled.text, out);

    const doc = parse(readFileSync(fileURLToPath(new URL('../../../scenarios/flood-overload.yaml', import.meta.url)), 'utf8')) as { spec: { sweep: unknown } };
    doc.spec.sweep = { seeds: { list: [3, 4] } };
    const flood = await bothFormats('flood', stringify(doc));
    expect(readdirSync(join(flood.text, 'runs', 'run-000000'))).toContain('failure_analysis.json');
    const floodOut = join(work, 'flood-export');
    expect(swarmlab(['export', flood.parquet, '--out', floodOut]).code).toBe(0);
    expectSameRuns(flood.text, floodOut);
  });

  it('refuses bad input with exit 2 and a message naming what is wrong, and a damaged trace with INVALID_OUTPUT naming the file', async () => {
    const sets = await bothFormats('bad', tinySpec('bad'));
    const format = swarmlab(['export', sets.parquet, '--format', 'csv']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format: unknown format "csv"; known: text');

    const taken = join(work, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'notes.txt'), 'x');
    const full = swarmlab(['export', sets.parquet, '--out', taken]);
    expect(full.code).toBe(2);
    expect(full.stderr).toContain('the export folder must be new or empty');
    expect(full.stderr).toContain(taken);

    const nothing = swarmlab(['export', join(work, 'taken')]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('not a results folder');

    const events = join(sets.parquet, 'runs', 'run-000003', 'events.parquet');
    chmodSync(events, 0o644);
    const bytes = readFileSync(events);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    writeFileSync(events, bytes);
    const damaged = swarmlab(['export', sets.parquet, '--out', join(work, 'damaged')]);
    expect(damaged.code).toBe(3);
    expect(damaged.stderr).toMatch(/INVALID_OUTPUT: \S+\/runs\/run-000003\/events\.parquet: events\.parquet: its bytes are not the ones manifest\.json records/);
  });
});
