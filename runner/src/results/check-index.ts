import { isSwarmlabError } from '../errors.ts';
import { ResultsIndex, type Manifest } from '../outputs/schemas.ts';
import { sha256 } from '../spec/canonical.ts';
import { BUILT_FILES, INDEXED_FILES, ResultsLayout, SENSITIVITY_FILE, type IndexedFile, type TableFile } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { RUNNER_VERSION } from '../version.ts';
import { encodeResultTables } from './build-tables.ts';

const INDEX = 'results-index.json';

/**
 * `swarmlab validate`'s check of the files built from a manifest: the
 * results index names this manifest's digest, every file it records (the
 * tables and the report, and sensitivity.json once `swarmlab analyze` wrote
 * it) has its size and sha256, and no table or report lies beside the
 * manifest unrecorded (a sensitivity.json written before the index recorded
 * it is not a problem). When
 * this runner's version built them, the tables are also built again from the
 * manifest and must be the same bytes, so that a table edited together with
 * its hash in the index is still found. Problems start with the file,
 * relative to the result set. A result set without an index or tables (its
 * tables not built yet) has none.
 */
export async function resultsIndexProblems(store: ObjectStore, root: string, manifest: Manifest): Promise<string[]> {
  const layout = new ResultsLayout(root);
  const problems: string[] = [];
  const bytes = await store.get(layout.resultsIndex);
  if (bytes === undefined) {
    for (const file of BUILT_FILES) {
      if ((await store.stat(layout.table(file))) !== undefined) problems.push(`${file}: no ${INDEX} records it: the tables were not finished (run the experiment again to rebuild them)`);
    }
    return problems;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return [`${INDEX}: not JSON: ${(e as Error).message}`];
  }
  const parsed = ResultsIndex.safeParse(doc);
  if (!parsed.success) return parsed.error.issues.slice(0, 10).map((i) => `${INDEX}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  const index = parsed.data;
  if (index.manifest_digest !== manifest.digest) problems.push(`${INDEX}: manifest_digest: ${index.manifest_digest} is not manifest.json's digest ${manifest.digest}: the files were built from other results`);
  if (index.experiment.spec_digest !== manifest.experiment.spec_digest) problems.push(`${INDEX}: experiment.spec_digest: ${index.experiment.spec_digest} is not manifest.json's ${manifest.experiment.spec_digest}`);

  const known = new Set<string>(INDEXED_FILES);
  index.files.forEach((f, i) => {
    if (!known.has(f.name)) problems.push(`${INDEX}: files[${i}].name: ${f.name} is not a file the results index records (${INDEXED_FILES.join(', ')})`);
  });
  const recorded = new Map(index.files.map((f) => [f.name, f]));
  const files: readonly IndexedFile[] = recorded.has(SENSITIVITY_FILE) ? INDEXED_FILES : BUILT_FILES;
  for (const file of files) {
    const want = recorded.get(file);
    const content = await store.get(layout.indexed(file));
    if (want === undefined) {
      problems.push(content === undefined ? `${file}: missing, and not recorded in ${INDEX}` : `${file}: not recorded in ${INDEX}`);
      continue;
    }
    if (content === undefined) {
      problems.push(`${file}: missing (${INDEX} records sha256 ${want.sha256})`);
      continue;
    }
    if (content.byteLength !== want.size) problems.push(`${file}: size ${content.byteLength}, ${INDEX} records ${want.size}`);
    const got = sha256(content);
    if (got !== want.sha256) problems.push(`${file}: sha256 ${got} does not match ${INDEX}'s ${want.sha256}`);
  }
  if (problems.length > 0 || index.runner.version !== RUNNER_VERSION) return problems;
  return rebuiltProblems(store, layout, manifest, recorded);
}

async function rebuiltProblems(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, recorded: ReadonlyMap<string, { sha256: string }>): Promise<string[]> {
  let files: readonly { file: TableFile; bytes: Buffer }[];
  try {
    files = (await encodeResultTables(store, layout, manifest)).files;
  } catch (e) {
    // A run whose files are not the manifest's is reported by the run checks; the tables cannot be rebuilt without it.
    if (isSwarmlabError(e)) return [];
    throw e;
  }
  const problems: string[] = [];
  for (const { file, bytes } of files) {
    const built = sha256(bytes);
    const want = recorded.get(file)?.sha256;
    if (built !== want) problems.push(`${file}: not the table the runs give: built again from manifest.json it has sha256 ${built}, ${INDEX} records ${want ?? '(none)'}`);
  }
  return problems;
}
