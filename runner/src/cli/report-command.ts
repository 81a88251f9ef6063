import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwarmlabError } from '../errors.ts';
import { findResultSets } from '../outputs/find-results.ts';
import { readManifest } from '../outputs/read-manifest.ts';
import { REPORT_FILE, ResultsLayout } from '../store/layout.ts';
import { notResults, openResults } from './open-results.ts';
import { ensureTables, statisticsToShow } from './results-command.ts';
import { statisticsMarkdown } from '../report/markdown.ts';
import { loadRegistry } from '../plugins/runner-registry.ts';

export interface ReportCommandOptions {
  readonly out?: string;
  readonly open?: boolean;
  readonly markdown?: boolean;
  readonly metric?: readonly string[];
}

/**
 * `swarmlab report RESULTS`: the result set's report, built with its tables
 * when missing (results written before reports were), checked against the
 * results index otherwise. Prints where it is; `--out` copies it to a file,
 * `--open` opens it in the system's browser.
 */
export async function reportCommand(target: string, opts: ReportCommandOptions): Promise<void> {
  const { store } = openResults(target);
  const sets = await findResultSets(store);
  if (sets.complete.length === 0) {
    if (sets.incomplete.length > 0) throw new SwarmlabError('BAD_FILE', 'no finished result set here: its runs have not all finished (run the experiment again to resume)', { file: target });
    throw notResults(target);
  }
  if (sets.complete.length > 1 && opts.out !== undefined) {
    throw new SwarmlabError('USAGE', `--out: ${target} holds ${sets.complete.length} result sets (${sets.complete.join(', ')}); give one of them`);
  }
  for (const folder of sets.complete) {
    const layout = new ResultsLayout(folder);
    const manifest = await readManifest(store, layout.manifest);
    const built = await ensureTables(store, layout, manifest, await loadRegistry());
    const key = layout.table(REPORT_FILE);
    let where = store.uriFor(key);
    if (opts.out !== undefined) {
      const bytes = await store.get(key);
      if (bytes === undefined) throw new SwarmlabError('INVALID_OUTPUT', `${REPORT_FILE}: missing`, { file: where });
      const out = resolve(opts.out);
      await writeFile(out, bytes).catch((e: unknown) => {
        throw new SwarmlabError('BAD_FILE', `cannot write the report: ${(e as Error).message}`, { file: opts.out });
      });
      where = pathToFileURL(out).href;
    }
    if (built) process.stdout.write(`${folder === '' ? '' : `${folder}: `}built the tables and the report from manifest.json\n`);
    process.stdout.write(`report: ${where}\n`);
    if (opts.markdown) {
      const metrics = opts.metric ?? [];
      if (metrics.length === 0) throw new SwarmlabError('USAGE', '--markdown needs at least one --metric');
      const page = await statisticsToShow(store, layout, metrics, Number.POSITIVE_INFINITY);
      process.stdout.write(`\n${statisticsMarkdown(page, metrics)}`);
    }
    if (opts.open) openInBrowser(where);
  }
}

/** Hands a file:// URI to the desktop's opener; a store that is not a folder here must be copied out first. */
function openInBrowser(uri: string): void {
  if (!uri.startsWith('file://')) throw new SwarmlabError('USAGE', `--open: ${uri} is not a file on this machine`, { hint: 'add --out FILE to copy the report here' });
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [uri], { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`swarmlab: warning: could not start ${opener}; open ${uri} in a browser\n`));
  child.unref();
}
