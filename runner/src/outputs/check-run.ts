import type { ModuleRegistry } from '../modules/registry.ts';
import { sha256 } from '../spec/canonical.ts';
import { checkMetricsCsv } from './metrics-csv.ts';
import { scanNumber, scanObject, scanString } from './json-scan.ts';
import { EventLine, Summary, type FileEntry } from './schemas.ts';
import { SCHEMA_VERSION } from './schemas.ts';
import semver from 'semver';

export const RUN_RECORD = 'run.json';

/**
 * Checks a run's files against their schemas and the modules' own checks.
 * Returns every problem found (empty when valid). Never throws on bad content.
 */
export function checkRunFiles(files: ReadonlyMap<string, string>, registry: ModuleRegistry): string[] {
  const problems: string[] = [];
  for (const required of ['events.jsonl', 'metrics.csv', 'summary.json']) {
    if (!files.has(required)) problems.push(`${required}: missing`);
  }
  const events = files.get('events.jsonl');
  if (events !== undefined) problems.push(...checkEvents(events));
  const metrics = files.get('metrics.csv');
  if (metrics !== undefined) problems.push(...checkMetricsCsv(metrics));

  const summaryText = files.get('summary.json');
  if (summaryText === undefined) return problems;
  let summary: Summary;
  try {
    const parsed = Summary.safeParse(JSON.parse(summaryText));
    if (!parsed.success) {
      for (const i of parsed.error.issues.slice(0, 10)) problems.push(`summary.json: ${i.path.join('.') || '(root)'}: ${i.message}`);
      return problems;
    }
    summary = parsed.data;
  } catch (e) {
    problems.push(`summary.json: not JSON: ${(e as Error).message}`);
    return problems;
  }
  if (semver.major(summary.schema_version) !== semver.major(SCHEMA_VERSION)) {
    problems.push(`summary.json: schema_version ${summary.schema_version} is not ${semver.major(SCHEMA_VERSION)}.x; run swarmlab migrate`);
  }
  const expected = new Set([...summary.files, 'summary.json']);
  for (const name of files.keys()) {
    if (name !== RUN_RECORD && !expected.has(name)) problems.push(`${name}: not listed in summary.json files`);
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
    for (const p of def.verify?.(files) ?? []) problems.push(`${stamp.module}: ${p}`);
  }
  return problems;
}

function checkEvents(text: string): string[] {
  const problems: string[] = [];
  if (text.length > 0 && !text.endsWith('\n')) problems.push('events.jsonl: does not end with a newline');
  let lastTime = 0;
  const seqs = new Set<number>();
  for (let start = 0, line = 1; start < text.length && problems.length < 20; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    let time: number;
    let seq: number;
    if (scanEventLine(text, start, end)) {
      time = scanned.time;
      seq = scanned.seq;
    } else {
      // Slow path, for lines not written the way the runner writes them: parse, and let zod say precisely what is wrong.
      let value: unknown;
      try {
        value = JSON.parse(text.slice(start, end));
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
    if (seqs.has(seq)) problems.push(`events.jsonl line ${line}: duplicate seq ${seq}`);
    seqs.add(seq);
    lastTime = time;
  }
  return problems;
}

/** Where scanEventLine leaves the values the ordering checks need. */
const scanned = { time: 0, seq: 0 };

/**
 * The fast path: recognises a line exactly as the runner writes it (keys in
 * schema order, no whitespace) that EventLine accepts, without building an
 * object. A line it does not recognise is not necessarily wrong: it goes to
 * JSON.parse and zod. A test holds that whatever it accepts, zod accepts.
 */
export function scanEventLine(s: string, start: number, end: number): boolean {
  if (!s.startsWith('{"time":', start)) return false;
  let a = start + 8;
  let b = scanNumber(s, a);
  if (b < 0 || !s.startsWith(',"priority":', b)) return false;
  const time = Number(s.slice(a, b));
  if (!(time >= 0 && time !== Infinity)) return false;
  a = b + 12;
  b = scanNumber(s, a);
  if (b < 0 || !s.startsWith(',"seq":', b) || !Number.isFinite(Number(s.slice(a, b)))) return false;
  a = b + 7;
  b = scanNumber(s, a);
  if (b < 0 || !s.startsWith(',"type":', b)) return false;
  const seq = Number(s.slice(a, b));
  if (!Number.isSafeInteger(seq) || seq < 0) return false;
  a = b + 8;
  b = scanString(s, a);
  if (b < a + 3 || !s.startsWith(',"source":', b)) return false;
  a = b + 10;
  b = scanString(s, a);
  if (b < a + 3 || !s.startsWith(',"target":', b)) return false;
  a = b + 10;
  b = scanString(s, a);
  if (b < a + 3 || !s.startsWith(',"payload":', b)) return false;
  b = scanObject(s, b + 11);
  if (b < 0 || b + 1 !== end || s.charCodeAt(b) !== 0x7d) return false;
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

export function fileEntry(name: string, content: string | Buffer): FileEntry {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { name, size: buf.byteLength, sha256: sha256(buf) };
}

/** sha256 over `name:sha256` lines sorted by name: equal files give an equal digest. */
export function runDigest(files: readonly FileEntry[]): string {
  const lines = [...files].sort((a, b) => (a.name < b.name ? -1 : 1)).map((f) => `${f.name}:${f.sha256}\n`);
  return sha256(lines.join(''));
}
