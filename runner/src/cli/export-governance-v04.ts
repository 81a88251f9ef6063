import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { SwarmlabError } from '../errors.ts';
import { migrateJsonl } from '../modules/builtin/governance/v04/migrate.ts';
import { GovernanceV04Record } from '../modules/builtin/governance/v04/record.ts';
import { governanceV04Lines } from '../results/governance-v04.ts';
import type { Manifest } from '../outputs/schemas.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';

// `swarmlab export --format governance-v0.4`: v0.4 JSONL lines appended to
// one file, as the original simulator's --output appends, so the exports of
// several experiments (and migrated older files) can share it.

/** Whether `target` is a JSONL file of older records to migrate rather than results. */
export function isRecordsFile(target: string): boolean {
  if (target.startsWith('s3://') || target.startsWith('file://')) return false;
  return existsSync(target) && statSync(target).isFile() && !target.endsWith('manifest.json');
}

/** Appends a result set's runs as v0.4 lines; returns how many. */
export async function appendResultSetV04(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, out: string): Promise<number> {
  // Every line is built before any is written: a run v0.4 cannot describe leaves the file as it was.
  const lines = await governanceV04Lines(store, layout, manifest);
  appendLines(out, lines);
  return lines.length;
}

export interface MigrationOutcome {
  readonly written: number;
  readonly filled: number;
  readonly dropped: readonly { readonly line: number; readonly reason: string }[];
}

/**
 * Appends the records of an older JSONL file as v0.4 lines. `timestamp` goes
 * to records without a time (default: the file's modification time).
 */
export function appendMigratedV04(file: string, out: string, timestamp: string | undefined): MigrationOutcome {
  if (timestamp !== undefined && !GovernanceV04Record.shape.timestamp.safeParse(timestamp).success) {
    throw new SwarmlabError('USAGE', `--timestamp: ${JSON.stringify(timestamp)} is not an ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00Z)`);
  }
  const m = migrateJsonl(readFileSync(file, 'utf8'), timestamp ?? statSync(file).mtime.toISOString());
  if (m.records.length === 0) {
    const why = m.dropped.length === 0 ? 'it holds no records' : `none of its ${m.dropped.length} records could be migrated (line ${m.dropped[0]!.line}: ${m.dropped[0]!.reason})`;
    throw new SwarmlabError('BAD_FILE', `nothing to migrate: ${why}`, { file });
  }
  appendLines(out, m.records.map((r) => `${JSON.stringify(r)}\n`));
  return { written: m.records.length, filled: m.filled, dropped: m.dropped };
}

/** Appends whole lines to `out` (created if missing), starting a new line if the file does not end with one. */
function appendLines(out: string, lines: readonly string[]): void {
  if (existsSync(out) && statSync(out).isDirectory()) throw new SwarmlabError('BAD_FILE', 'is a folder; the governance-v0.4 format appends to a JSONL file', { file: out });
  let fd: number;
  try {
    fd = openSync(out, 'a+');
  } catch (e) {
    throw new SwarmlabError('BAD_FILE', `cannot write the export: ${(e as Error).message}`, { file: out });
  }
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const needsNewline = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    const text = Buffer.from(`${needsNewline ? '\n' : ''}${lines.join('')}`, 'utf8');
    for (let at = 0; at < text.length; ) at += writeSync(fd, text, at);
  } finally {
    closeSync(fd);
  }
}
