import { closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SwarmlabError } from '../errors.ts';
import { exportRunAsText, textSpecDigest, type ExportTarget } from '../outputs/export-text.ts';
import { findResultSets } from '../outputs/find-results.ts';
import { readManifest } from '../outputs/read-manifest.ts';
import { ResultsLayout } from '../store/layout.ts';
import { notResults, openResults } from './open-results.ts';

/** The formats `swarmlab export` writes. */
export const EXPORT_FORMATS = ['text'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportCommandOptions {
  readonly format?: string;
  readonly out?: string;
}

/**
 * `swarmlab export RESULTS [--format text] [--out DIR]`: every succeeded run
 * of one result set written into DIR/runs/<run>/ as the format writes it.
 * DIR must be new or empty, so an export never mixes with other files.
 */
export async function exportCommand(target: string, opts: ExportCommandOptions): Promise<void> {
  const format = exportFormat(opts.format);
  const { store } = openResults(target);
  const sets = await findResultSets(store);
  if (sets.complete.length === 0) {
    if (sets.incomplete.length > 0) throw new SwarmlabError('BAD_FILE', 'no finished result set here: its runs have not all finished (run the experiment again to resume)', { file: target });
    throw notResults(target);
  }
  if (sets.complete.length > 1) throw new SwarmlabError('USAGE', `${target} holds ${sets.complete.length} result sets (${sets.complete.join(', ')}); give one of them`);
  const layout = new ResultsLayout(sets.complete[0] as string);
  const manifest = await readManifest(store, layout.manifest);
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
