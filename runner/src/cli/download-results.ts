import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SwarmlabError } from '../errors.ts';
import { readBuiltFile } from '../results/read-built-file.ts';
import { BUILT_FILES, type ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';

export interface DownloadOptions {
  /** Every run's files too, not only the manifest, the tables and the report. */
  readonly runs?: boolean;
}

/**
 * Copies a validated result set to a local folder that `swarmlab results`
 * and `swarmlab report` read like any other: the manifest, the results index,
 * the tables and the report (each as its index records it), and with `runs`
 * every other file of the set. A file already in the folder with other bytes
 * is never overwritten: nothing is written when one is found.
 */
export async function downloadResults(store: ObjectStore, layout: ResultsLayout, manifestDigest: string, dir: string, opts: DownloadOptions = {}): Promise<string[]> {
  // The built files are checked against the index as they are read, and kept; run files are read twice at most (when the folder has them), never all held at once.
  const built = new Map<string, Buffer>();
  for (const file of BUILT_FILES) {
    const read = await readBuiltFile(store, layout, file, manifestDigest);
    if (!read.found) throw new SwarmlabError(read.why === 'absent' ? 'USAGE' : 'INVALID_OUTPUT', read.message, { file: store.uriFor(layout.table(file)) });
    built.set(layout.table(file), read.bytes);
  }
  const keys = new Set([layout.manifest, layout.resultsIndex, ...built.keys()]);
  if (opts.runs) for (const key of await store.list(layout.root === '' ? '' : `${layout.root}/`)) keys.add(key);
  const bytesOf = async (key: string): Promise<Buffer> => {
    const bytes = built.get(key) ?? (await store.get(key));
    if (bytes === undefined) throw new SwarmlabError('STORE_ERROR', 'listed but gone before it was read', { file: store.uriFor(key) });
    return bytes;
  };
  const local = (key: string): string => join(dir, layout.root === '' ? key : key.slice(layout.root.length + 1));
  for (const key of keys) {
    const existing = await readFile(local(key)).catch(() => undefined);
    if (existing !== undefined && !existing.equals(await bytesOf(key))) {
      throw new SwarmlabError('BAD_FILE', 'already exists with other content; nothing was downloaded', { file: local(key), hint: 'download into an empty folder' });
    }
  }
  for (const key of keys) {
    await mkdir(dirname(local(key)), { recursive: true });
    await writeFile(local(key), await bytesOf(key));
  }
  return [...keys].map(local);
}
