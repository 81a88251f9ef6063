import type { ModuleRegistry } from '../modules/registry.ts';
import { sha256 } from '../spec/canonical.ts';
import { checkMetricsCsv } from './metrics-csv.ts';
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
  const lines = text.split('\n');
  lines.pop();
  let lastTime = 0;
  const seqs = new Set<number>();
  for (let i = 0; i < lines.length && problems.length < 20; i++) {
    let value: unknown;
    try {
      value = JSON.parse(lines[i] as string);
    } catch {
      problems.push(`events.jsonl line ${i + 1}: not JSON`);
      continue;
    }
    if (!isEventLine(value)) {
      // Slow path, only for bad lines: zod says precisely what is wrong.
      const r = EventLine.safeParse(value);
      const issue = r.success ? undefined : r.error.issues[0];
      problems.push(`events.jsonl line ${i + 1}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'malformed event'}`);
      continue;
    }
    if (value.time < lastTime) problems.push(`events.jsonl line ${i + 1}: time goes backwards`);
    if (seqs.has(value.seq)) problems.push(`events.jsonl line ${i + 1}: duplicate seq ${value.seq}`);
    seqs.add(value.seq);
    lastTime = value.time;
  }
  return problems;
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
