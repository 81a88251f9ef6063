import { closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SwarmlabError } from '../errors.ts';
import { exportRunAsText, textSpecDigest, type ExportTarget } from '../outputs/export-text.ts';
import { findResultSets } from '../outputs/find-results.ts';
import { readManifest } from '../outputs/read-manifest.ts';
import { ResultsLayout } from '../store/layout.ts';
import type { Manifest } from '../outputs/schemas.ts';
import type { ObjectStore } from '../store/store.ts';
import { appendMigratedV04, appendResultSetV04, isRecordsFile } from './export-governance-v04.ts';
import { notResults, openResults } from './open-results.ts';

/** The formats `swarmlab export` writes. */
export const EXPORT_FORMATS = ['text', 'governance-v0.4'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportCommandOptions {
  readonly format?: string;
  readonly out?: string;
  readonly timestamp?: string;
}

/**
 * `swarmlab export RESULTS [--format text] [--out DIR]`: every succeeded run
 * of one result set written into DIR/runs/<run>/ as the format writes it.
 * DIR must be new or empty, so an export never mixes with other files.
 */
export async function exportCommand(target: string, opts: ExportCommandOptions): Promise<void> {
  const format = exportFormat(opts.format);
  if (format === 'governance-v0.4') return exportGovernanceV04(target, opts);
  if (opts.timestamp !== undefined) throw new SwarmlabError('USAGE', '--timestamp is for --format governance-v0.4 with a JSONL file of older records');
  const { store, layout, manifest } = await oneResultSet(target);
  const out = resolve(opts.out ?? `${manifest.experiment.name}-${format}`);
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) {
    throw new SwarmlabError('BAD_FILE', 'the export folder must be new or empty', { file: opts.out ?? out, hint: 'give another folder with --out' });
  }
  const digest = textSpecDigest(manifest, store.uriFor(layout.manifest));
  const files = new FolderTarget(out);
  let runs = 0;
  for (const run of manifest.runs) {
    if (run.status !== 'succeeded') continue;
    await exportRunAsText(store, layout, run, digest, files);
    runs++;
  }
  process.stdout.write(`exported ${runs} run${runs === 1 ? '' : 's'} as ${format} to ${out}\n`);
}

/**
 * `--format governance-v0.4 --out FILE.jsonl`: the runs of a result set, or
 * the records of an older JSONL file migrated, appended to FILE as v0.4 lines.
 */
async function exportGovernanceV04(target: string, opts: ExportCommandOptions): Promise<void> {
  if (opts.out === undefined) throw new SwarmlabError('USAGE', '--out FILE.jsonl is needed: the governance-v0.4 format appends its lines to one JSONL file');
  const out = resolve(opts.out);
  if (isRecordsFile(target)) {
    const m = appendMigratedV04(target, out, opts.timestamp);
    for (const d of m.dropped) process.stderr.write(`swarmlab: warning: ${target} line ${d.line} not migrated: ${d.reason}\n`);
    process.stdout.write(`migrated ${m.written} record${m.written === 1 ? '' : 's'} to v0.4 (${m.filled} with metadata filled in), ${m.dropped.length} dropped; appended to ${out}\n`);
    return;
  }
  if (opts.timestamp !== undefined) throw new SwarmlabError('USAGE', '--timestamp is for migrating a JSONL file of older records; a result set\'s runs have their own times');
  const { store, layout, manifest } = await oneResultSet(target);
  const runs = await appendResultSetV04(store, layout, manifest, out);
  process.stdout.write(`appended ${runs} v0.4 record${runs === 1 ? '' : 's'} of ${manifest.experiment.name} to ${out}\n`);
}

/** The one finished result set at `target`, with its manifest. */
async function oneResultSet(target: string): Promise<{ store: ObjectStore; layout: ResultsLayout; manifest: Manifest }> {
  const { store } = openResults(target);
  const sets = await findResultSets(store);
  if (sets.complete.length === 0) {
    if (sets.incomplete.length > 0) throw new SwarmlabError('BAD_FILE', 'no finished result set here: its runs have not all finished (run the experiment again to resume)', { file: target });
    throw notResults(target);
  }
  if (sets.complete.length > 1) throw new SwarmlabError('USAGE', `${target} holds ${sets.complete.length} result sets (${sets.complete.join(', ')}); give one of them`);
  const layout = new ResultsLayout(sets.complete[0] as string);
  return { store, layout, manifest: await readManifest(store, layout.manifest) };
}

function exportFormat(value: string | undefined): ExportFormat {
  const format = value ?? 'text';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new SwarmlabError('USAGE', `--format: unknown format ${JSON.stringify(format)}; known: ${EXPORT_FORMATS.join(', ')}`);
  return format as ExportFormat;
}

/** Writes each file into DIR/runs/<run>/ as it comes, a part at a time. */
class FolderTarget implements ExportTarget {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  open(runId: string, name: string) {
    const dir = join(this.#root, 'runs', runId);
    const path = join(dir, name);
    let fd: number;
    try {
      mkdirSync(dir, { recursive: true });
      fd = openSync(path, 'wx');
    } catch (e) {
      throw new SwarmlabError('BAD_FILE', `cannot write the export: ${(e as Error).message}`, { file: path });
    }
    return {
      write: (part: Uint8Array) => {
        for (let at = 0; at < part.length; ) at += writeSync(fd, part, at);
      },
      close: () => closeSync(fd),
    };
  }
}
