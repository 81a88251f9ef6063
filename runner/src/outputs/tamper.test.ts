import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { plan } from '../spec/plan.ts';
import { FileStore } from '../store/file-store.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { assembleManifest, formatManifest, type StoredHash } from './manifest.ts';
import { runDigest } from './digests.ts';
import { Manifest, RunRecord } from './schemas.ts';

// Bad-input table for `swarmlab validate` (issue 12, part "digests"): each row
// edits one field a user joins on, or points validate at something that is
// not a result set, and names the exit status and the path the report must
// give. A results folder cannot be a case file, so the cases live here.

type Json = Record<string, unknown>;
const exp = parseExperimentText(tinySpec('tamper'));
let work: string;
let pristine: string;
/** Relative to the store root: tamper/<digest16>. */
let setRel: string;

function editJson(file: string, edit: (doc: Json) => void): void {
  chmodSync(file, 0o644);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
  edit(doc);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}
const runs = (m: Json) => m.runs as Json[];
const record = (set: string, run: string) => join(set, 'runs', run, 'run.json');
const manifestOf = (set: string) => join(set, 'manifest.json');
const resultsIndexOf = (set: string) => join(set, 'results-index.json');

/** Changes one value of a table's CSV text (the first digit after the header), keeping its size. */
function editCsv(file: string): void {
  chmodSync(file, 0o644);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/\n([^\n]*?)(\d)/, (_, before: string, d: string) => `\n${before}${(Number(d) + 1) % 10}`));
}

/** Rewrites the manifest with run 4 failed as an executor records it (its message starting with its code). */
async function withFailedRun(set: string): Promise<void> {
  const m = Manifest.parse(JSON.parse(readFileSync(manifestOf(set), 'utf8')));
  const records = new Map(m.runs.filter((r) => r.index !== 4).map((r) => [r.index, { schema_version: m.schema_version, run_id: r.run_id, index: r.index, seed: r.seed, params: r.params, files: r.files!, digest: r.digest! }]));
  const prov = new Map<number, StoredHash>(m.provenance.files.filter((f) => f.run_id !== 'run-000004').map((f) => [Number(f.run_id.slice(4)), f]));
  const failures = new Map([[4, { code: 'RUN_FAILED', message: 'RUN_FAILED: boom' }]]);
  writeFileSync(manifestOf(set), formatManifest(assembleManifest(exp, plan(exp), records, failures, prov)));
}

interface Row {
  readonly name: string;
  /** Edits the copy of the result set (absolute path of its folder). */
  readonly tamper: (set: string, store: string) => void | Promise<void>;
  /** What validate is pointed at (default: the result set's folder). */
  readonly target?: (set: string, store: string) => string;
  readonly exit: number;
  /** Each must appear in the report (stdout and stderr). */
  readonly report: readonly (string | RegExp)[];
  readonly absent?: RegExp;
}

const rows: Row[] = [
  { name: 'params edited in run.json', tamper: (s) => editJson(record(s, 'run-000003'), (r) => ((r.params as Json)['arrivals.rate'] = 0.5)), exit: 1, report: ['runs/run-000003/run.json: params: {"arrivals.rate":0.5}, the plan gives {"arrivals.rate":0.8}', 'runs/run-000003/run.json: digest:'] },
  { name: 'seed edited in run.json', tamper: (s) => editJson(record(s, 'run-000001'), (r) => ((r.seed as number) += 1)), exit: 1, report: [/runs\/run-000001\/run\.json: seed: \d+, the plan gives \d+/] },
  { name: 'index edited in run.json', tamper: (s) => editJson(record(s, 'run-000002'), (r) => (r.index = 5)), exit: 1, report: ['runs/run-000002/run.json: index: 5, the plan gives 2'] },
  { name: 'run_id edited in run.json', tamper: (s) => editJson(record(s, 'run-000002'), (r) => (r.run_id = 'run-000009')), exit: 1, report: ['runs/run-000002/run.json: run_id: run-000009, the plan gives run-000002'] },
  { name: 'params edited in run.json with its digest recomputed', tamper: (s) => editJson(record(s, 'run-000000'), (r) => {
    (r.params as Json)['arrivals.rate'] = 0.8;
    r.digest = runDigest(RunRecord.parse(r));
  }), exit: 1, report: ['runs/run-000000/run.json: params: {"arrivals.rate":0.8}, the plan gives {"arrivals.rate":0.4}', "manifest.json: runs[0].digest:"], absent: /run-000000\/run\.json: digest/ },
  { name: 'seed edited in manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => ((runs(m)[3]!.seed as number) += 1)), exit: 1, report: [/manifest\.json: runs\[3\]\.seed: \d+, the plan gives \d+/, 'manifest.json: digest:'] },
  { name: 'params edited in manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => (runs(m)[5]!.params = { 'arrivals.rate': 0.4 })), exit: 1, report: ['manifest.json: runs[5].params: {"arrivals.rate":0.4}, the plan gives {"arrivals.rate":0.8}'] },
  { name: 'counts edited in manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => ((m.counts as Json).succeeded = 5)), exit: 1, report: ['manifest.json: counts.succeeded: 5, the runs say 6', 'manifest.json: digest:'] },
  { name: 'a sweep value edited in the spec in manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => ((((m.spec as Json).sweep as Json).grid as Json[])[0]!.values = [0.4, 0.9])), exit: 1, report: [/manifest\.json: spec: its digest [0-9a-f]{64} is not experiment\.spec_digest/, 'manifest.json: runs[3].params: {"arrivals.rate":0.8}, the plan gives {"arrivals.rate":0.9}'] },
  { name: 'the horizon edited in the spec in manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => ((((m.spec as Json).scenario as Json).horizon as Json).time = 200)), exit: 1, report: ['manifest.json: spec: its digest'] },
  { name: 'the spec in manifest.json made invalid', tamper: (s) => editJson(manifestOf(s), (m) => ((((m.spec as Json).scenario as Json).horizon as Json).time = -1)), exit: 1, report: ['manifest.json: spec.scenario.horizon.time:'] },
  { name: 'spec_digest edited in manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => ((m.experiment as Json).spec_digest = 'f'.repeat(64))), exit: 1, report: ['manifest.json: spec: its digest', 'is not the digest of its folder', 'manifest.json: digest:'] },
  { name: 'a run digest edited in manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => (runs(m)[2]!.digest = '0'.repeat(64))), exit: 1, report: ['manifest.json: runs[2].digest:', 'manifest.json: digest:'] },
  { name: 'a run entry dropped from manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => runs(m).pop()), exit: 1, report: ["manifest.json: runs: 5 entries, the spec's plan has 6 runs"] },
  { name: 'a failed run\'s error code edited in manifest.json', tamper: async (s) => {
    await withFailedRun(s);
    editJson(manifestOf(s), (m) => ((runs(m)[4]!.error as Json).code = 'STORE_UNAVAILABLE'));
  }, exit: 1, report: ['manifest.json: digest:'] },
  { name: 'a failed run is reported with its code once', tamper: withFailedRun, exit: 1, report: ['run-000004: failed: RUN_FAILED: boom'], absent: /RUN_FAILED: RUN_FAILED/ },
  { name: 'a provenance file deleted', tamper: (s) => rmSync(join(s, 'provenance', 'run-000001.json')), exit: 1, report: [/provenance\/run-000001\.json: missing \(manifest\.json records sha256 [0-9a-f]{64}\)/] },
  { name: 'a provenance file edited', tamper: (s) => editJson(join(s, 'provenance', 'run-000004.json'), (p) => (p.host = 'elsewhere')), exit: 1, report: [/provenance\/run-000004\.json: sha256 [0-9a-f]{64} does not match manifest\.json's/] },
  { name: 'a provenance entry dropped from manifest.json', tamper: (s) => editJson(manifestOf(s), (m) => ((m.provenance as Json).files as Json[]).shift()), exit: 1, report: ['manifest.json: provenance.digest: does not match provenance.files', "provenance/run-000000.json: not recorded in manifest.json's provenance.files"] },
  { name: 'metrics.parquet corrupted', tamper: (s) => {
    const f = join(s, 'runs', 'run-000002', 'metrics.parquet');
    chmodSync(f, 0o644);
    const bytes = readFileSync(f);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    writeFileSync(f, bytes);
  }, exit: 1, report: [/runs\/run-000002\/metrics\.parquet: sha256 [0-9a-f]{64} does not match the recorded/] },
  { name: 'a results set of the previous schema version', tamper: (s) => editJson(manifestOf(s), (m) => (m.schema_version = '1.0.0')), exit: 1, report: ['manifest.json: schema_version: 1.0.0 is not 2.x; upgrade a copy with swarmlab migrate'] },
  { name: 'an experiment folder: each digest folder found and validated', tamper: (s) => editJson(record(s, 'run-000003'), (r) => ((r.params as Json)['arrivals.rate'] = 0.5)), target: (_s, store) => join(store, 'tamper'), exit: 1, report: [/^[0-9a-f]{16}: invalid: 2 problem\(s\)$/m, 'runs/run-000003/run.json: params:'] },
  { name: 'a store root with a finished and an unfinished result set', tamper: (_s, store) => {
    mkdirSync(join(store, 'other', '0123456789abcdef', 'runs', 'run-000000'), { recursive: true });
    writeFileSync(join(store, 'other', '0123456789abcdef', 'runs', 'run-000000', 'run.json'), '{}');
  }, target: (_s, store) => store, exit: 0, report: [/^tamper\/[0-9a-f]{16}: valid: 6 runs, manifest digest [0-9a-f]{64}$/m, 'other/0123456789abcdef: no manifest.json: its runs have not all finished'] },
  { name: 'a folder without result sets', tamper: (_s, store) => mkdirSync(join(store, 'empty')), target: (_s, store) => join(store, 'empty'), exit: 2, report: ['BAD_FILE:', 'not a results folder'] },
  { name: 'a file that is not a manifest', tamper: (_s, store) => writeFileSync(join(store, 'exp.yaml'), tinySpec('tamper')), target: (_s, store) => join(store, 'exp.yaml'), exit: 2, report: ['BAD_FILE:', 'exp.yaml: not a results folder'] },
  { name: 'a file:// URI of a file', tamper: (_s, store) => writeFileSync(join(store, 'notes.txt'), 'x'), target: (_s, store) => `file://${join(store, 'notes.txt')}`, exit: 2, report: ['BAD_FILE:', 'notes.txt: not a results folder'] },
  { name: 'a table edited', tamper: (s) => editCsv(join(s, 'results.csv')), exit: 1, report: [/^ {2}results\.csv: sha256 [0-9a-f]{64} does not match results-index\.json's [0-9a-f]{64}$/m] },
  { name: 'a table edited with its sha256 in the results index recomputed', tamper: (s) => {
    editCsv(join(s, 'statistics.csv'));
    editJson(resultsIndexOf(s), (idx) => {
      const entry = (idx.files as Json[]).find((f) => f.name === 'statistics.csv')!;
      entry.sha256 = createHash('sha256').update(readFileSync(join(s, 'statistics.csv'))).digest('hex');
    });
  }, exit: 1, report: [/statistics\.csv: not the table the runs give: built again from manifest\.json it has sha256 [0-9a-f]{64}, results-index\.json records [0-9a-f]{64}/], absent: /results\.(csv|parquet):/ },
  { name: 'the report edited', tamper: (s) => writeFileSync(join(s, 'report.html'), readFileSync(join(s, 'report.html'), 'utf8').replace('</h1>', ' (edited)</h1>')), exit: 1, report: [/^ {2}report\.html: sha256 [0-9a-f]{64} does not match results-index\.json's [0-9a-f]{64}$/m] },
  { name: 'a table deleted', tamper: (s) => rmSync(join(s, 'statistics.parquet')), exit: 1, report: [/statistics\.parquet: missing \(results-index\.json records sha256 [0-9a-f]{64}\)/] },
  { name: 'the manifest digest edited in the results index', tamper: (s) => editJson(resultsIndexOf(s), (idx) => (idx.manifest_digest = 'e'.repeat(64))), exit: 1, report: [`results-index.json: manifest_digest: ${'e'.repeat(64)} is not manifest.json's digest`] },
  { name: 'tables without a results index', tamper: (s) => rmSync(resultsIndexOf(s)), exit: 1, report: ['results.parquet: no results-index.json records it: the tables were not finished'] },
  { name: 'an unfinished result set only', tamper: (s) => rmSync(manifestOf(s)), exit: 1, report: ['no manifest.json: its runs have not all finished', 'invalid: no finished result set'] },
];

async function validate(target: string): Promise<{ code: number; out: string }> {
  let out = '';
  const capture = (chunk: string | Uint8Array): boolean => {
    out += String(chunk);
    return true;
  };
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const std = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  try {
    return { code: await main(['node', 'swarmlab', 'validate', target]), out };
  } finally {
    err.mockRestore();
    std.mockRestore();
    process.exitCode = 0;
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-tamper-'));
  pristine = join(work, 'pristine');
  await runLocal(exp, { store: new FileStore(pristine), registry: builtinRegistry, workers: 1 });
  setRel = join('tamper', readdirSync(join(pristine, 'tamper'))[0]!);
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('swarmlab validate bad-input table: tampered and misplaced results', () => {
  it('has at least 10 cases, and the untouched results are valid', async () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const r = await validate(join(pristine, setRel));
    expect(r.out).toMatch(/^valid: 6 runs, manifest digest [0-9a-f]{64}$/m);
    expect(r.code).toBe(0);
  });

  rows.forEach((row, i) => {
    it(row.name, async () => {
      const store = join(work, `case-${i}`);
      cpSync(pristine, store, { recursive: true });
      const set = join(store, setRel);
      await row.tamper(set, store);
      const r = await validate(row.target?.(set, store) ?? set);
      for (const want of row.report) {
        if (typeof want === 'string') expect(r.out).toContain(want);
        else expect(r.out).toMatch(want);
      }
      if (row.absent) expect(r.out).not.toMatch(row.absent);
      expect(r.code, r.out).toBe(row.exit);
    });
  });
});
