import type { ModuleRegistry } from '../modules/registry.ts';
import { sha256 } from '../spec/canonical.ts';
import { scanMetricsCsv } from './metrics-csv.ts';
import { scanEventsParquet, scanMetricsParquet, type TraceFileScan } from './check-trace-parquet.ts';
import { SeqSet } from './seq-set.ts';
import { StagedFile } from './staged-file.ts';
import { ALL_TRACE_FILES, TRACE_FILE_NAMES, traceFormatOf, traceFormatOfFiles } from './trace-files.ts';
import { ascii, bytesAt, numberValue, scanNumber, scanObject, scanString } from './json-scan.ts';
import type { RunFiles } from './run-files.ts';
import { EventLine, Summary, type FileEntry } from './schemas.ts';
import type { RunTrace } from '../spec/experiment.ts';
import { SCHEMA_VERSION } from './schemas.ts';
import semver from 'semver';
import { RUN_RECORD_FILE } from '../store/layout.ts';

// The run record's name belongs to the store layout; validate-experiment.ts still imports it from here.
export { RUN_RECORD_FILE as RUN_RECORD };

/**
 * Checks a run's files against their schemas and the modules' own checks.
 * Returns every problem found (empty when valid). Never throws on bad content.
 */
export async function checkRunFiles(files: RunFiles, registry: ModuleRegistry): Promise<string[]> {
  const problems: string[] = [];
  if (!files.has('summary.json')) problems.push('summary.json: missing');
  const summary = parseSummary(files, problems);
  // The format summary.json records; without a readable summary, the format of the files there are.
  const format = summary === undefined ? traceFormatOfFiles(files.names()) : traceFormatOf(summary.trace);
  const names = TRACE_FILE_NAMES[format];
  for (const other of ALL_TRACE_FILES) {
    if (other !== names.events && other !== names.metrics && files.has(other)) problems.push(`${other}: present, but the run's trace is written as ${format}`);
  }
  // The Parquet files are read by range (staged files are never loaded whole); the text ones are scanned in memory.
  const events = files.source(names.events);
  const eventScan = events === undefined ? undefined : format === 'parquet' ? await scanEventsParquet(events) : checkEvents(files.bytes(names.events) as Buffer);
  if (eventScan !== undefined) problems.push(...eventScan.problems);
  const metrics = files.source(names.metrics);
  if (metrics === undefined) problems.push(`${names.metrics}: missing`);
  const scan = metrics === undefined ? undefined : format === 'parquet' ? await scanMetricsParquet(metrics) : scanMetricsCsv(files.bytes(names.metrics) as Buffer);
  if (scan !== undefined) problems.push(...scan.problems);
  if (summary === undefined) return problems;

  const trace = summary.trace ?? { level: 'complete' };
  if (trace.level === 'complete' && events === undefined) problems.push(`${names.events}: missing (the complete trace has an event log)`);
  if (trace.level !== 'complete' && events !== undefined) problems.push(`${names.events}: present, but trace level ${trace.level} has no event log`);
  if (eventScan !== undefined && eventScan.problems.length === 0 && eventScan.rows !== summary.engine.events) {
    problems.push(`${names.events}: ${eventScan.rows} events, summary.json says the run executed ${summary.engine.events}`);
  }
  if (scan !== undefined && scan.problems.length === 0) problems.push(...traceRowProblems(names.metrics, trace, summary, scan));
  if (semver.major(summary.schema_version) !== semver.major(SCHEMA_VERSION)) {
    problems.push(`summary.json: schema_version ${summary.schema_version} is not ${semver.major(SCHEMA_VERSION)}.x; run swarmlab migrate`);
  }
  const expected = new Set([...summary.files, 'summary.json']);
  for (const name of files.names()) {
    if (name !== RUN_RECORD_FILE && !expected.has(name)) problems.push(`${name}: not listed in summary.json files`);
  }
  for (const name of summary.files) if (!files.has(name)) problems.push(`${name}: listed in summary.json but missing`);

  // Checks belong to the module definition: run them once, however many instances there are.
  const checked = new Set<string>();
  for (const stamp of summary.modules) {
    const key = `${stamp.kind}/${stamp.module}`;
    if (checked.has(key)) continue;
    checked.add(key);
    const def = registry.get(stamp.kind, stamp.module);
    if (!def) {
      problems.push(`summary.json: module ${stamp.kind}/${stamp.module} is unknown to this runner; its files cannot be checked`);
      continue;
    }
    for (const [name, schema] of Object.entries(def.outputs ?? {})) {
      const text = files.get(name);
      if (text === undefined) continue;
      try {
        const r = schema.safeParse(JSON.parse(text));
        if (!r.success) for (const i of r.error.issues.slice(0, 10)) problems.push(`${name}: ${i.path.join('.') || '(root)'}: ${i.message}`);
      } catch (e) {
        problems.push(`${name}: not JSON: ${(e as Error).message}`);
      }
    }
    try {
      for (const p of (await def.verify?.(files)) ?? []) problems.push(`${stamp.module}: ${p}`);
    } catch (e) {
      // A trace the reader cannot read is already among the problems above; a module's check never throws past here.
      problems.push(`${stamp.module}: its check could not read the run: ${(e as Error).message}`);
    }
  }
  return problems;
}

function parseSummary(files: RunFiles, problems: string[]): Summary | undefined {
  const text = files.get('summary.json');
  if (text === undefined) return undefined;
  try {
    const parsed = Summary.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    for (const i of parsed.error.issues.slice(0, 10)) problems.push(`summary.json: ${i.path.join('.') || '(root)'}: ${i.message}`);
  } catch (e) {
    problems.push(`summary.json: not JSON: ${(e as Error).message}`);
  }
  return undefined;
}

/** The metrics hold the rows the trace level promises: as many as it implies, the last at the run's end time. */
function traceRowProblems(file: string, trace: RunTrace, summary: Summary, scan: TraceFileScan): string[] {
  const events = summary.engine.events;
  let expected: number | undefined;
  if (trace.level === 'complete') expected = events;
  else if (trace.level === 'final') expected = Math.min(events, 1);
  else if (trace.unit === 'events') expected = Math.ceil(events / (trace.every as number));
  const problems: string[] = [];
  if (expected !== undefined && scan.rows !== expected) problems.push(`${file}: ${scan.rows} rows, trace level ${trace.level} of ${events} events has ${expected}`);
  // Sampled by time, the row count depends on when the events fell; it is at most one per event.
  if (expected === undefined && (scan.rows > events || (events > 0 && scan.rows === 0))) problems.push(`${file}: ${scan.rows} rows for ${events} events`);
  if (events > 0 && scan.lastTime !== summary.engine.end_time) problems.push(`${file}: the last row is at time ${scan.lastTime}, the run ended at ${summary.engine.end_time}`);
  return problems;
}

function checkEvents(b: Buffer): TraceFileScan {
  const problems: string[] = [];
  if (b.length > 0 && b[b.length - 1] !== NEWLINE) problems.push('events.jsonl: does not end with a newline');
  let lastTime = 0;
  const seqs = new SeqSet();
  let rows = 0;
  for (let start = 0, line = 1; start < b.length && problems.length < 20; line++) {
    rows++;
    const nl = b.indexOf(NEWLINE, start);
    const end = nl < 0 ? b.length : nl;
    let time: number;
    let seq: number;
    if (scanEventLine(b, start, end)) {
      time = scanned.time;
      seq = scanned.seq;
    } else {
      // Slow path, for lines not written the way the runner writes them: parse, and let zod say precisely what is wrong.
      let value: unknown;
      try {
        value = JSON.parse(b.toString('utf8', start, end));
      } catch {
        value = undefined;
        problems.push(`events.jsonl line ${line}: not JSON`);
      }
      start = end + 1;
      if (value === undefined) continue;
      if (!isEventLine(value)) {
        const r = EventLine.safeParse(value);
        const issue = r.success ? undefined : r.error.issues[0];
        problems.push(`events.jsonl line ${line}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'malformed event'}`);
        continue;
      }
      time = value.time;
      seq = value.seq;
    }
    start = end + 1;
    if (time < lastTime) problems.push(`events.jsonl line ${line}: time goes backwards`);
    if (!seqs.add(seq)) problems.push(`events.jsonl line ${line}: duplicate seq ${seq}`);
    lastTime = time;
  }
  return { problems, rows, lastTime };
}

const NEWLINE = 0x0a;
const TIME = ascii('{"time":');
const PRIORITY = ascii(',"priority":');
const SEQ = ascii(',"seq":');
const TYPE = ascii(',"type":');
const SOURCE = ascii(',"source":');
const TARGET = ascii(',"target":');
const PAYLOAD = ascii(',"payload":');
const STRING_KEYS = [TYPE, SOURCE, TARGET];

/** Where scanEventLine leaves the values the ordering checks need. */
const scanned = { time: 0, seq: 0 };

/**
 * The fast path: recognises a line exactly as the runner writes it (keys in
 * schema order, no whitespace) that EventLine accepts, without building an
 * object. A line it does not recognise is not necessarily wrong: it goes to
 * JSON.parse and zod. A test holds that whatever it accepts, zod accepts.
 */
export function scanEventLine(b: Uint8Array, start: number, end: number): boolean {
  if (!bytesAt(b, start, TIME)) return false;
  let a = start + TIME.length;
  let z = scanNumber(b, a);
  if (z < 0 || !bytesAt(b, z, PRIORITY)) return false;
  const time = numberValue(b, a, z);
  if (!(time >= 0 && time !== Infinity)) return false;
  a = z + PRIORITY.length;
  z = scanNumber(b, a);
  if (z < 0 || !bytesAt(b, z, SEQ) || !Number.isFinite(numberValue(b, a, z))) return false;
  a = z + SEQ.length;
  z = scanNumber(b, a);
  if (z < 0) return false;
  const seq = numberValue(b, a, z);
  if (!Number.isSafeInteger(seq) || seq < 0) return false;
  for (const key of STRING_KEYS) {
    if (!bytesAt(b, z, key)) return false;
    a = z + key.length;
    z = scanString(b, a);
    // Non-empty: more than the two quotes.
    if (z < a + 3) return false;
  }
  if (!bytesAt(b, z, PAYLOAD)) return false;
  z = scanObject(b, z + PAYLOAD.length);
  if (z < 0 || z + 1 !== end || b[z] !== 0x7d) return false;
  scanned.time = time;
  scanned.seq = seq;
  return true;
}

const EVENT_KEYS = ['time', 'priority', 'seq', 'type', 'source', 'target', 'payload'];

/**
 * The EventLine schema as a hand-written check: validating every line of a
 * long log through zod costs as much as running the simulation. A test keeps
 * the two in agreement; zod stays the definition.
 */
export function isEventLine(v: unknown): v is { time: number; seq: number } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  let n = 0;
  for (const k in o) {
    if (!EVENT_KEYS.includes(k)) return false;
    n++;
  }
  if (n !== EVENT_KEYS.length) return false;
  const { time, priority, seq, type, source, target, payload } = o;
  return (
    typeof time === 'number' && Number.isFinite(time) && time >= 0 &&
    typeof priority === 'number' && Number.isFinite(priority) &&
    typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 &&
    typeof type === 'string' && type.length > 0 &&
    typeof source === 'string' && source.length > 0 &&
    typeof target === 'string' && target.length > 0 &&
    payload !== null && typeof payload === 'object' && !Array.isArray(payload)
  );
}

export function fileEntry(name: string, content: string | Buffer | StagedFile): FileEntry {
  // A staged file was hashed as it was written.
  if (content instanceof StagedFile) return { name, size: content.size, sha256: content.sha256 };
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { name, size: buf.byteLength, sha256: sha256(buf) };
}
