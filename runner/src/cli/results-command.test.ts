import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_FILES } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';

// `swarmlab run` ends with the answer, and `swarmlab results PATH` shows it
// again from the stored tables (building them when they are missing).

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));
let dir: string;
let set: string;
let run: { code: number | null; stdout: string; stderr: string };

function swarmlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tables = (): Map<string, Buffer> => new Map(TABLE_FILES.map((f) => [f, readFileSync(join(set, f))]));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-results-cli-'));
  writeFileSync(join(dir, 'exp.yaml'), tinySpec('answer'));
  run = swarmlab('run', 'exp.yaml', '--store', 'file://store', '--workers', '1');
  const exp = join(dir, 'store', 'answer');
  set = join(exp, readdirSync(exp)[0] as string);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('swarmlab run and results', { timeout: 60_000 }, () => {
  it('run ends with the per-point statistics of the final metrics and the tables\' paths', () => {
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((l) => /^metric\s+0\.4\s+0\.8$/.test(l));
    expect(header).toBeGreaterThan(0);
    expect(lines[header - 1]?.trim()).toBe('arrivals.rate');
    // A row per metric, a mean ± half-width per point.
    expect(lines[header + 1]).toMatch(/^arrivals\.sent\s+\d+(\.\d+)? ± \d+(\.\d+)?\s+\d+(\.\d+)? ± \d+(\.\d+)?$/);
    expect(lines.filter((l) => l.startsWith('server.served '))).toHaveLength(1);
    expect(run.stdout).toContain("(mean ± half-width of the 95% CI (Student's t) over the 3 runs of each point");
    for (const f of ['results.parquet', 'statistics.parquet']) expect(run.stdout).toContain(`${set}/${f}`);
    for (const f of [...TABLE_FILES, 'report.html', 'results-index.json']) expect(existsSync(join(set, f)), f).toBe(true);
    expect(run.stdout).toContain(`report:   file://${set}/report.html`);
  });

  it('report PATH prints where the report is; --out copies it; a result set without one gets it built and recorded', () => {
    const stored = readFileSync(join(set, 'report.html'));
    const shown = swarmlab('report', './store/answer');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(`report: file://${set}/report.html\n`);
    const copied = swarmlab('report', set, '--out', 'copy.html');
    expect(copied.code, copied.stderr).toBe(0);
    expect(readFileSync(join(dir, 'copy.html')).equals(stored)).toBe(true);

    // Results finished before reports were: an index that records the tables only.
    const indexFile = join(set, 'results-index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { files: { name: string }[] };
    writeFileSync(indexFile, `${JSON.stringify({ ...index, files: index.files.filter((f) => f.name !== 'report.html') }, null, 2)}\n`);
    rmSync(join(set, 'report.html'));
    const rebuilt = swarmlab('report', set);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain('built the tables and the report from manifest.json');
    expect(readFileSync(join(set, 'report.html')).equals(stored)).toBe(true);
    expect(swarmlab('validate', set).code).toBe(0);

    const missing = swarmlab('report', './nowhere');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('./nowhere');
    expect(missing.stderr).not.toContain('    at ');
  });

  it('results PATH prints the stored statistics; builds the same tables again when they are gone', () => {
    const before = tables();
    const shown = swarmlab('results', './store/answer', '--metric', 'server.served');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toContain('built the tables');
    expect(shown.stdout.split('\n').filter((l) => l.startsWith('server.served '))).toHaveLength(1);
    expect(shown.stdout).not.toContain('arrivals.sent');

    for (const f of [...TABLE_FILES, 'results-index.json']) rmSync(join(set, f));
    const rebuilt = swarmlab('results', `${set}/manifest.json`, '--json');
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const out = JSON.parse(rebuilt.stdout) as { sets: { builtTables: boolean; points: number; statistics: { metric: string; n: number; params: Record<string, unknown> }[] }[] };
    expect(out.sets[0]?.builtTables).toBe(true);
    expect(out.sets[0]?.points).toBe(2);
    expect(out.sets[0]?.statistics).toContainEqual(expect.objectContaining({ metric: 'server.served', n: 3, params: { 'arrivals.rate': 0.8 } }));
    expect(tables()).toEqual(before);
    expect(swarmlab('validate', set).code).toBe(0);
  });

  it('refuses a table that is not the bytes its index records (exit 3, naming it), an unknown metric and cluster options with a PATH (exit 2)', () => {
    const unknown = swarmlab('results', './store', '--metric', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--metric nope: no such final metric; known: arrivals.sent');
    const withNamespace = swarmlab('results', './store', '-n', 'default');
    expect(withNamespace.code).toBe(2);
    expect(withNamespace.stderr).toContain('--namespace is for an Experiment on the cluster; ./store is a results location');

    const csv = join(set, 'statistics.csv');
    chmodSync(csv, 0o644);
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('server.served', 'server.Served'));
    const tampered = swarmlab('results', './store');
    expect(tampered.code).toBe(3);
    expect(tampered.stderr).toContain('statistics.csv: its bytes are not the ones results-index.json records');
    expect(tampered.stderr).not.toContain('    at ');
  });
});
