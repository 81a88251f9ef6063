// Candidate columnar encodings of one run's complete trace, against today's
// text (events.jsonl + metrics.csv): bytes per event and encoding CPU time.
// The trace is made by the real runner (scenarios/<name>.yaml, run 0) and
// split into typed columns: time, priority, seq (numbers), type, source,
// target (strings), each payload field as a column (numbers when every value
// is a number, otherwise JSON text), and a column per metric.
//
//   parquet-snappy / parquet-zstd: hyparquet-writer (the version the results
//     tables use), dictionary encoding where it pays, row groups of 64k rows;
//     zstd from node:zlib, level 3.
//   arrow / arrow-zstd: Arrow IPC file (apache-arrow, if installed: it is not
//     a dependency; `npm install --no-save apache-arrow@21.2.0`), strings as
//     dictionaries, zstd body compression.
//
// Run: node bench/trace-formats.ts [scenario] [horizon]
import { readFileSync } from 'node:fs';
import { zstdCompressSync, zstdDecompressSync, constants as zlib } from 'node:zlib';
import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { builtinRegistry } from '../runner/src/modules/builtin-registry.ts';
import { executeRun } from '../runner/src/run/execute.ts';
import { parseExperimentText } from '../runner/src/spec/load.ts';
import { planRun } from '../runner/src/spec/plan.ts';

const scenario = process.argv[2] ?? 'mm1-queue';
const exp = parseExperimentText(readFileSync(new URL(`../scenarios/${scenario}.yaml`, import.meta.url), 'utf8'));
if (process.argv[3]) exp.spec.scenario.horizon = { time: Number(process.argv[3]) };
// The text trace is the baseline the candidates are split from.
exp.spec.output = { ...exp.spec.output, trace: { level: 'complete', format: 'text' } };
const out = executeRun(exp, planRun(exp, 0), builtinRegistry);
const eventsText = out.files.bytes('events.jsonl') as Buffer;
const metricsText = out.files.bytes('metrics.csv') as Buffer;
const textBytes = eventsText.byteLength + metricsText.byteLength;
const events = out.summary.engine.events;

type Column = { name: string; kind: 'number' | 'string'; values: (number | string | null)[] };

function eventColumns(): Column[] {
  const cols = new Map<string, Column>();
  const col = (name: string, kind: Column['kind']) => {
    let c = cols.get(name);
    if (!c) cols.set(name, (c = { name, kind, values: [] }));
    return c;
  };
  const lines = eventsText.toString('utf8').split('\n').slice(0, -1);
  const payloadKeys = new Set<string>();
  const parsed = lines.map((l) => JSON.parse(l) as { time: number; priority: number; seq: number; type: string; source: string; target: string; payload: Record<string, unknown> });
  for (const e of parsed) for (const k of Object.keys(e.payload)) payloadKeys.add(k);
  const numeric = new Set([...payloadKeys].filter((k) => parsed.every((e) => e.payload[k] === undefined || typeof e.payload[k] === 'number')));
  for (const e of parsed) {
    col('time', 'number').values.push(e.time);
    col('priority', 'number').values.push(e.priority);
    col('seq', 'number').values.push(e.seq);
    col('type', 'string').values.push(e.type);
    col('source', 'string').values.push(e.source);
    col('target', 'string').values.push(e.target);
    for (const k of payloadKeys) {
      const v = e.payload[k];
      col(`payload.${k}`, numeric.has(k) ? 'number' : 'string').values.push(v === undefined ? null : numeric.has(k) ? (v as number) : JSON.stringify(v));
    }
  }
  return [...cols.values()];
}

function metricColumns(): Column[] {
  const lines = metricsText.toString('utf8').split('\n').slice(0, -1);
  const header = (lines[0] as string).split(',');
  const cols: Column[] = header.map((name) => ({ name, kind: 'number', values: [] }));
  for (const l of lines.slice(1)) l.split(',').forEach((v, i) => cols[i]?.values.push(Number(v)));
  return cols;
}

const zstd = (b: Uint8Array) => new Uint8Array(zstdCompressSync(b, { params: { [zlib.ZSTD_c_compressionLevel]: 3 } }));
const ROWS = 65_536;

function parquet(cols: Column[], codec: 'SNAPPY' | 'ZSTD'): number {
  const writer = new ByteWriter();
  const source = (c: Column, from: number, to: number): ColumnSource => ({ name: c.name, type: c.kind === 'number' ? 'DOUBLE' : 'STRING', nullable: true, data: c.values.slice(from, to) });
  const pw = new ParquetWriter({ writer, schema: schemaFromColumnData({ columnData: cols.map((c) => source(c, 0, 0)) }), codec, compressors: { ZSTD: zstd } });
  const n = cols[0]?.values.length ?? 0;
  for (let from = 0; from < n; from += ROWS) void pw.write({ columnData: cols.map((c) => source(c, from, Math.min(n, from + ROWS))), rowGroupSize: ROWS });
  pw.finish();
  return writer.getBytes().byteLength;
}

/** The part of apache-arrow this bench uses (it is not a dependency, so its types are not either). */
interface ArrowModule {
  compressionRegistry: { set(type: number, codec: { encode(b: Uint8Array): Uint8Array; decode(b: Uint8Array): Uint8Array }): void };
  CompressionType: { ZSTD: number };
  Float64: new () => unknown;
  Utf8: new () => unknown;
  Int32: new () => unknown;
  Dictionary: new (values: unknown, indices: unknown) => unknown;
  vectorFromArray(values: unknown[], type: unknown): unknown;
  Table: new (columns: Record<string, unknown>) => unknown;
  RecordBatchFileWriter: { writeAll(table: unknown, options?: { compressionType: number }): { toUint8Array(sync: true): Uint8Array } };
}
async function loadArrow(): Promise<ArrowModule | undefined> {
  try {
    return (await import(process.env.ARROW_MODULE ?? 'apache-arrow')) as ArrowModule;
  } catch {
    return undefined;
  }
}

function arrowIpc(arrow: ArrowModule, cols: Column[], compressed: boolean): number {
  if (compressed) arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, { encode: zstd, decode: (b: Uint8Array) => new Uint8Array(zstdDecompressSync(b)) });
  // One dictionary per string column over the whole trace (a streaming writer would send dictionary deltas).
  const vectors: Record<string, unknown> = {};
  for (const c of cols) {
    const type = c.kind === 'number' ? new arrow.Float64() : new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    vectors[c.name] = arrow.vectorFromArray(c.values, type);
  }
  const table = new arrow.Table(vectors);
  const writer = arrow.RecordBatchFileWriter.writeAll(table, compressed ? { compressionType: arrow.CompressionType.ZSTD } : undefined);
  return writer.toUint8Array(true).byteLength;
}

function timed(f: () => number): { bytes: number; cpuSeconds: number } {
  const c0 = process.cpuUsage();
  const bytes = f();
  const c = process.cpuUsage(c0);
  return { bytes, cpuSeconds: Number(((c.user + c.system) / 1e6).toFixed(3)) };
}

const ev = eventColumns();
const me = metricColumns();
const arrow = await loadArrow();
const results: Record<string, { bytes: number; cpuSeconds: number; bytesPerEvent: number; smallerThanText: number }> = {};
const add = (name: string, r: { bytes: number; cpuSeconds: number }) => {
  results[name] = { ...r, bytesPerEvent: Number((r.bytes / events).toFixed(2)), smallerThanText: Number((textBytes / r.bytes).toFixed(1)) };
};
add('text', { bytes: textBytes, cpuSeconds: 0 });
add('text-zstd', timed(() => zstd(eventsText).byteLength + zstd(metricsText).byteLength));
add('parquet-snappy', timed(() => parquet(ev, 'SNAPPY') + parquet(me, 'SNAPPY')));
add('parquet-zstd', timed(() => parquet(ev, 'ZSTD') + parquet(me, 'ZSTD')));
if (arrow) {
  add('arrow', timed(() => arrowIpc(arrow, ev, false) + arrowIpc(arrow, me, false)));
  add('arrow-zstd', timed(() => arrowIpc(arrow, ev, true) + arrowIpc(arrow, me, true)));
}
console.log(JSON.stringify({ bench: 'trace-formats', scenario, events, metrics: me.length - 2, eventColumns: ev.map((c) => `${c.name}:${c.kind}`), arrow: arrow ? 'apache-arrow' : 'not installed', results }, null, 1));
