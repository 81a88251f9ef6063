import { sha256 } from '../spec/canonical.ts';
import type { BuiltFile, ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { readResultsIndex } from './read-index.ts';

export type BuiltFileRead =
  | { readonly found: true; readonly bytes: Buffer }
  /** `absent`: not built yet (or not from this manifest); `altered`: its bytes are not the ones the results index records. */
  | { readonly found: false; readonly why: 'absent' | 'altered'; readonly message: string };

/**
 * A file built from the manifest (a table or the report), handed out only
 * when the results index built from `manifestDigest` records exactly these
 * bytes: a reader never serves a half-written or edited file as the result.
 */
export async function readBuiltFile(store: ObjectStore, layout: ResultsLayout, file: BuiltFile, manifestDigest: string): Promise<BuiltFileRead> {
  const index = await readResultsIndex(store, layout);
  const recorded = index?.manifest_digest === manifestDigest ? index.files.find((f) => f.name === file) : undefined;
  if (recorded === undefined) return { found: false, why: 'absent', message: `${file} is not built yet from manifest ${manifestDigest.slice(0, 12)}` };
  const bytes = await store.get(layout.table(file));
  if (bytes === undefined || sha256(bytes) !== recorded.sha256) {
    return { found: false, why: 'altered', message: `${file}: ${bytes === undefined ? 'missing' : 'its bytes are not the ones results-index.json records'} (swarmlab validate lists every problem)` };
  }
  return { found: true, bytes };
}
