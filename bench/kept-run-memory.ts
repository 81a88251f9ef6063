// What the operator's kept outcome of a checked run costs in heap (issue 19:
// the operator checks each run as its block finishes and keeps its record
// and provenance hash for the manifest). One real mm1-queue run is made at
// the trace level given, its run.json is varied into 10,000 distinct records
// (run id, index, seed, every sha256 and the digest unique, as real runs'
// are), each read the way readRunRecord reads one (JSON.parse, then the
// RunRecord schema), and kept in a Map by run index: as the parsed record,
// and as the record's JSON text. Heap is measured after a forced gc.
//
// Run: node --expose-gc bench/kept-run-memory.ts [final|complete] [count]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry } from '../runner/src/modules/builtin-registry.ts';
import { RunRecord } from '../runner/src/outputs/schemas.ts';
import type { StoredHash } from '../runner/src/outputs/manifest.ts';
import { runAndPromote } from '../runner/src/run/promote.ts';
import { sha256 } from '../runner/src/spec/canonical.ts';
import { parseExperimentText } from '../runner/src/spec/load.ts';
import { FileStore } from '../runner/src/store/file-store.ts';

const level = process.argv[2] ?? 'final';
const count = Number(process.argv[3] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
if (level !== 'final' && level !== 'complete') throw new Error('trace level: final or complete');

const exp = parseExperimentText(readFileSync(new URL('../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
exp.spec.output = { ...exp.spec.output, trace: { level, format: 'parquet' } };
const dir = mkdtempSync(join(tmpdir(), 'swarmlab-kept-'));
const made = await runAndPromote(exp, 0, new FileStore(dir), { registry: builtinRegistry, attempt: 'bench' });
rmSync(dir, { recursive: true, force: true });
const template = made.record;
const provenance = made.provenance;

/** run.json text of synthetic run i: the real record with every per-run value made unique. */
function recordText(i: number): string {
  const hex = (what: string) => sha256(`${what}/${i}`);
  const rec: RunRecord = {
    ...template,
    run_id: `run-${String(i).padStart(6, '0')}`,
    index: i,
    seed: template.seed + i,
    files: template.files.map((f) => ({ ...f, sha256: hex(f.name), size: f.size + (i % 7) })),
    digest: hex('digest'),
  };
  return `${JSON.stringify(rec, null, 2)}\n`;
}

function parseRecord(text: string): RunRecord {
  return RunRecord.parse(JSON.parse(text));
}

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const texts = Array.from({ length: count }, (_, i) => recordText(i));
const hashes: StoredHash[] = Array.from({ length: count }, (_, i) => ({ size: (provenance?.size ?? 300) + (i % 5), sha256: sha256(`provenance/${i}`) }));

function measure(name: string, keep: (i: number) => unknown): number {
  const base = heapAfterGc();
  const kept = new Map<number, unknown>();
  for (let i = 0; i < count; i++) kept.set(i, keep(i));
  const bytes = (heapAfterGc() - base) / count;
  if (kept.size !== count) throw new Error('lost entries');
  console.log(`${name}: ${bytes.toFixed(0)} bytes a run, ${((bytes * 100_000) / 2 ** 20).toFixed(1)} MiB at 100,000 runs`);
  return bytes;
}

console.log(`mm1-queue run 0, trace ${level}: ${template.files.length} files (${template.files.map((f) => f.name).join(', ')}), ${template.code?.length ?? 0} code stamps; run.json ${texts[0]!.length} bytes as written, ${JSON.stringify(parseRecord(texts[0]!)).length} compact`);
measure('record object + provenance hash', (i) => ({ record: parseRecord(texts[i]!), provenance: hashes[i]! }));
measure('compact JSON text of record and provenance hash', (i) => JSON.stringify({ record: parseRecord(texts[i]!), provenance: hashes[i]! }));

// What the manifest step pays to take them back: JSON.parse of each kept text.
const keptTexts = Array.from({ length: count }, (_, i) => JSON.stringify({ record: parseRecord(texts[i]!), provenance: hashes[i]! }));
const started = process.hrtime.bigint();
let files = 0;
for (const t of keptTexts) files += (JSON.parse(t) as { record: RunRecord }).record.files.length;
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(`parsing ${count} kept texts back: ${ms.toFixed(0)} ms (${files} files), ${((ms * 100_000) / count / 1000).toFixed(2)} s at 100,000 runs`);
