import { API_VERSION } from '../spec/experiment.ts';
import { parseExperiment } from '../spec/load.ts';
import { planRun, sweepSeeds } from '../spec/plan.ts';
import type { Manifest } from '../outputs/schemas.ts';
import { TABLE_FILES, type ResultsLayout, type TableFile } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { RUNNER_VERSION } from '../version.ts';
import { ColumnCatalog, type Cell, type Column } from './columns.ts';
import { orderedMap } from './ordered-map.ts';
import { readRunSummary } from './read-run.ts';
import { declareFixedColumns, METRIC_PREFIX, runCells } from './run-row.ts';
import { RowSpill } from './spill.ts';
import { RunningStatistics } from './statistics.ts';
import { TableWriter, type TableBytes } from './table-writer.ts';

/** Summaries read from the store at once: overlaps a remote store's round trips, bounds what is held. */
const READ_CONCURRENCY = 16;

/** The tables' bytes, in TABLE_FILES order. */
export interface EncodedTables {
  readonly files: readonly { readonly file: TableFile; readonly bytes: Buffer }[];
  readonly runs: number;
  readonly points: number;
  readonly columns: number;
}

/** The statistics table's columns after the point's parameters. */
const STATISTICS_COLUMNS: readonly Column[] = [
  { name: 'metric', type: 'STRING' },
  { name: 'runs', type: 'INT64' },
  { name: 'n', type: 'INT64' },
  { name: 'mean', type: 'DOUBLE' },
  { name: 'sd', type: 'DOUBLE' },
  { name: 'se', type: 'DOUBLE' },
  { name: 'ci95_low', type: 'DOUBLE' },
  { name: 'ci95_high', type: 'DOUBLE' },
  { name: 'min', type: 'DOUBLE' },
  { name: 'max', type: 'DOUBLE' },
];

/**
 * The results table (one row per run of the manifest, in run order) and the
 * statistics table (per parameter point, for every final metric), each as
 * Parquet and CSV. Streams:
 * each summary is read once, its row spilled to local disk while the
 * columns are learnt, then the tables are written a row group at a time.
 * The statistics keep one point's running sums at a time, because the plan
 * puts a point's runs next to each other (index = point × seeds + seed).
 * Memory holds the manifest, one row group and the encoded tables; never
 * the runs. The same manifest gives the same bytes.
 */
export async function encodeResultTables(store: ObjectStore, layout: ResultsLayout, manifest: Manifest): Promise<EncodedTables> {
  const exp = parseExperiment({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: manifest.experiment.name }, spec: manifest.spec }, layout.manifest);
  const seeds = sweepSeeds(exp.spec.sweep);
  const catalog = new ColumnCatalog();
  declareFixedColumns(catalog);
  const spill = new RowSpill();
  try {
    const rows = orderedMap(manifest.runs, READ_CONCURRENCY, async (run) => ({
      run,
      summary: run.status === 'succeeded' ? await readRunSummary(store, layout, run) : undefined,
    }));
    for await (const { run, summary } of rows) {
      const point = planRun(exp, run.index, seeds).pointIndex;
      spill.push(runCells(catalog, run, point, summary));
    }

    const { columns, positionOf, groupOf } = catalog.layout();
    const metadata = { 'swarmlab.experiment': manifest.experiment.name, 'swarmlab.spec_digest': manifest.experiment.spec_digest, 'swarmlab.manifest_digest': manifest.digest };
    const createdBy = `swarmlab ${RUNNER_VERSION}`;
    const results = new TableWriter(columns, metadata, createdBy);
    const paramPositions = columns.flatMap((_, i) => (groupOf(i) === 'param' ? [i] : []));
    const metricPositions = columns.flatMap((_, i) => (groupOf(i) === 'metric' ? [i] : []));
    const pointColumns: Column[] = [{ name: 'point', type: 'INT64' }, ...paramPositions.map((i) => columns[i] as Column)];
    const statistics = new TableWriter([...pointColumns, ...STATISTICS_COLUMNS], metadata, createdBy);
    const perPoint = new PointAccumulator(metricPositions.map((i) => (columns[i] as Column).name.slice(METRIC_PREFIX.length)));

    const pointPosition = columns.findIndex((c) => c.name === 'point');
    let points = 0;
    for await (const spilled of spill.rows()) {
      const pairs = spilled as Cell[];
      const row: Cell[] = new Array<Cell>(columns.length).fill(null);
      for (let k = 0; k < pairs.length; k += 2) row[positionOf[pairs[k] as number] as number] = pairs[k + 1] as Cell;
      results.append(row);
      const point = row[pointPosition] as number;
      if (point !== perPoint.point) {
        perPoint.emit(statistics);
        perPoint.start(point, paramPositions.map((i) => row[i] as Cell));
        points++;
      }
      perPoint.add(metricPositions.map((i) => row[i] as Cell));
    }
    perPoint.emit(statistics);

    const encoded = { results: results.finish(), statistics: statistics.finish() };
    const files = TABLE_FILES.map((file) => {
      const [name, format] = file.split('.') as [keyof typeof encoded, keyof TableBytes];
      return { file, bytes: encoded[name][format] };
    });
    return { files, runs: manifest.runs.length, points, columns: columns.length };
  } finally {
    spill.dispose();
  }
}

/** The running statistics of one parameter point, for every metric column. */
class PointAccumulator {
  readonly #metrics: readonly string[];
  point: Cell = null;
  #params: Cell[] = [];
  #runs = 0;
  #stats: RunningStatistics[] = [];

  constructor(metrics: readonly string[]) {
    this.#metrics = metrics;
  }

  start(point: number, params: Cell[]): void {
    this.point = point;
    this.#params = params;
    this.#runs = 0;
    this.#stats = this.#metrics.map(() => new RunningStatistics());
  }

  add(values: readonly Cell[]): void {
    this.#runs++;
    values.forEach((v, i) => {
      if (typeof v === 'number') this.#stats[i]?.push(v);
    });
  }

  /** One row per metric for the point so far (none before the first point). */
  emit(table: TableWriter): void {
    if (this.point === null) return;
    this.#metrics.forEach((metric, i) => {
      const s = (this.#stats[i] as RunningStatistics).result();
      table.append([this.point, ...this.#params, metric, this.#runs, s.n, s.mean ?? null, s.sd ?? null, s.se ?? null, s.ciLow ?? null, s.ciHigh ?? null, s.min ?? null, s.max ?? null]);
    });
  }
}
