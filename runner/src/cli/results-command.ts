import { SwarmlabError } from '../errors.ts';
import { findResultSets } from '../outputs/find-results.ts';
import { readManifest } from '../outputs/read-manifest.ts';
import { ResultsIndex, type Manifest } from '../outputs/schemas.ts';
import { finishResults } from '../results/finish.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { loadRegistry } from '../plugins/runner-registry.ts';
import { readStatistics, type StatisticsPage } from '../results/read-statistics.ts';
import { sha256 } from '../spec/canonical.ts';
import { BUILT_FILES, INDEXED_FILES, REPORT_FILE, ResultsLayout, type BuiltFile, type IndexedFile } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { notResults, openResults } from './open-results.ts';
import { formatStatistics, SHOWN_POINTS } from './statistics-table.ts';

/** How `swarmlab results` tells a results location from an Experiment name: a name of a Kubernetes object never holds a '/'. */
export function isResultsLocation(target: string): boolean {
  return target.includes('/');
}

/** Where a result set's tables and report are, for people and --json. */
export function tableUris(store: ObjectStore, layout: ResultsLayout): Record<BuiltFile | 'results-index.json', string> {
  const out = Object.fromEntries(BUILT_FILES.map((f) => [f, store.uriFor(layout.table(f))])) as Record<BuiltFile, string>;
  return { ...out, 'results-index.json': store.uriFor(layout.resultsIndex) };
}

/** The statistics chosen on the command line, read from the stored table; an unknown metric is a usage error naming the known ones. */
export async function statisticsToShow(store: ObjectStore, layout: ResultsLayout, metrics: readonly string[], points = SHOWN_POINTS): Promise<StatisticsPage> {
  const chosen = metrics.length > 0 ? new Set(metrics) : undefined;
  const page = await readStatistics(store, layout, points, chosen);
  const unknown = metrics.filter((m) => !page.metrics.includes(m));
  if (unknown.length > 0) throw new SwarmlabError('USAGE', `--metric ${unknown[0] ?? ''}: no such final metric; known: ${page.metrics.join(', ')}`);
  return page;
}

/** The statistics table with a title. */
export function statisticsText(page: StatisticsPage, metrics: readonly string[]): string {
  if (page.rows.length === 0) return 'no final metrics to show: no run succeeded, or the modules report none\n';
  return `final metrics per parameter point, across seeds:\n${formatStatistics(page, metrics.length > 0)}\n`;
}

export interface LocalResultsOptions {
  readonly json?: boolean;
  readonly metric?: readonly string[];
}

/**
 * `swarmlab results PATH|URI`: for each finished result set there, its run
 * counts, per-point statistics and the tables' locations. Tables that are
 * missing, or were built from another manifest, are built first (they
 * derive from the manifest alone); tables whose bytes are not those the
 * results index records are refused: `swarmlab validate` says more.
 */
export async function localResultsCommand(target: string, opts: LocalResultsOptions): Promise<void> {
  const { store } = openResults(target);
  const sets = await findResultSets(store);
  if (sets.complete.length === 0) {
    if (sets.incomplete.length > 0) throw new SwarmlabError('BAD_FILE', 'no finished result set here: its runs have not all finished (run the experiment again to resume)', { file: target });
    throw notResults(target);
  }
  const metrics = opts.metric ?? [];
  const out = [];
  for (const folder of sets.complete) {
    const layout = new ResultsLayout(folder);
    const manifest = await readManifest(store, layout.manifest);
    const built = await ensureTables(store, layout, manifest, await loadRegistry());
    const statistics = await statisticsToShow(store, layout, metrics);
    out.push({ folder, manifest, built, statistics, tables: tableUris(store, layout) });
  }
  if (opts.json) {
    const sets = out.map((s) => ({
      folder: s.folder,
      experiment: s.manifest.experiment.name,
      counts: s.manifest.counts,
      manifestDigest: s.manifest.digest,
      builtTables: s.built,
      tables: s.tables,
      statistics: s.statistics.rows.map(({ params, ...rest }) => ({ ...rest, params: Object.fromEntries(params) })),
      points: s.statistics.points,
    }));
    process.stdout.write(`${JSON.stringify({ sets }, null, 2)}\n`);
    return;
  }
  for (const s of out) {
    const { counts } = s.manifest;
    const label = s.folder === '' ? '' : `${s.folder}: `;
    process.stdout.write(`${label}${s.manifest.experiment.name}: ${counts.succeeded}/${counts.total} runs succeeded${counts.failed ? `, ${counts.failed} failed` : ''}\n`);
    if (s.built) process.stdout.write('built the tables and the report from manifest.json\n');
    process.stdout.write(`${statisticsText(s.statistics, metrics)}`);
    process.stdout.write(`${tablesText(s.tables)}\n`);
  }
}

export function tablesText(uris: Record<string, string>): string {
  return `tables:   ${uris['results.parquet'] ?? ''} (.csv beside it)\n          ${uris['statistics.parquet'] ?? ''} (.csv beside it)\nreport:   ${uris[REPORT_FILE] ?? ''}`;
}

/**
 * Builds the tables and the report when the result set has none, has those
 * of another manifest, or has tables without a report (built before
 * reports were); refuses an index or files that are not what was written.
 */
export async function ensureTables(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, registry: ModuleRegistry): Promise<boolean> {
  const indexBytes = await store.get(layout.resultsIndex);
  const index = indexBytes === undefined ? undefined : ResultsIndex.safeParse(safeJson(indexBytes));
  if (index === undefined || (index.success && (index.data.manifest_digest !== manifest.digest || !index.data.files.some((f) => f.name === REPORT_FILE)))) {
    await finishResults(store, layout, manifest, registry);
    return true;
  }
  const known = new Set<string>(INDEXED_FILES);
  if (!index.success || index.data.files.some((f) => !known.has(f.name))) {
    throw new SwarmlabError('INVALID_OUTPUT', 'results-index.json: not a results index this runner writes', { file: store.uriFor(layout.resultsIndex), hint: 'swarmlab validate lists every problem of the result set' });
  }
  for (const f of index.data.files) {
    const key = layout.indexed(f.name as IndexedFile);
    const bytes = await store.get(key);
    if (bytes === undefined || sha256(bytes) !== f.sha256) {
      throw new SwarmlabError('INVALID_OUTPUT', `${f.name}: ${bytes === undefined ? 'missing' : 'its bytes are not the ones results-index.json records'}`, { file: store.uriFor(key), hint: 'swarmlab validate lists every problem of the result set' });
    }
  }
  return false;
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}
