import type { Experiment } from '../spec/experiment.ts';
import { specDigest } from '../spec/load.ts';

/** The file of a run that marks it done (docs/adr/0001: present means validated and promoted). */
export const RUN_RECORD_FILE = 'run.json';
const MANIFEST_FILE = 'manifest.json';
const RESULTS_INDEX_FILE = 'results-index.json';

/**
 * The tables built from a manifest (runner/src/results), beside it: one row
 * per run, and the statistics per parameter point, each as Parquet and CSV.
 */
export const TABLE_FILES = ['results.parquet', 'results.csv', 'statistics.parquet', 'statistics.csv'] as const;
export type TableFile = (typeof TABLE_FILES)[number];
/** The report built from the manifest and the tables (runner/src/report), beside them. */
export const REPORT_FILE = 'report.html';
/** Every file built from a manifest, in the order the results index records them. */
export const BUILT_FILES = [...TABLE_FILES, REPORT_FILE] as const;
export type BuiltFile = (typeof BUILT_FILES)[number];
/** What `swarmlab analyze` found (runner/src/analysis), beside the tables it was computed from. */
export const SENSITIVITY_FILE = 'sensitivity.json';
/** Every file the results index may record: the built files, then sensitivity.json once `swarmlab analyze` wrote it for the same manifest. */
export const INDEXED_FILES = [...BUILT_FILES, SENSITIVITY_FILE] as const;
export type IndexedFile = (typeof INDEXED_FILES)[number];
/** What the rounds of an adaptive sweep found (runner/src/rounds), beside the tables, written with them. */
export const ADAPTIVE_FILE = 'adaptive.json';
const RUNS_DIR = 'runs';
const ROUNDS_DIR = 'rounds';
const PROVENANCE_DIR = 'provenance';

/**
 * Where one result set's keys live, below a store-relative root (docs/adr/0001).
 * The only place store keys are built: an empty root is a store opened at
 * the result set itself (validate, migrate).
 */
export class ResultsLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  #under(rest: string): string {
    return this.root === '' ? rest : `${this.root}/${rest}`;
  }

  /** The prefix every run's keys share (ends with a slash, for listing). */
  get runsPrefix(): string {
    return this.#under(`${RUNS_DIR}/`);
  }

  run(runId: string): string {
    return this.#under(`${RUNS_DIR}/${runId}`);
  }

  runFile(runId: string, file: string): string {
    return `${this.run(runId)}/${file}`;
  }

  runRecord(runId: string): string {
    return this.runFile(runId, RUN_RECORD_FILE);
  }

  /** The run id when `key` is a run record of this layout, else undefined. */
  runIdOfRecord(key: string): string | undefined {
    const prefix = this.runsPrefix;
    const suffix = `/${RUN_RECORD_FILE}`;
    if (!key.startsWith(prefix) || !key.endsWith(suffix)) return undefined;
    const runId = key.slice(prefix.length, key.length - suffix.length);
    return runId === '' || runId.includes('/') ? undefined : runId;
  }

  provenance(runId: string): string {
    return this.#under(`${PROVENANCE_DIR}/${runId}.json`);
  }

  /** Why the run's last attempt failed (failure-record.ts); overwritable, and ignored once the run's run.json exists. */
  failure(runId: string): string {
    return `${this.root}/failures/${runId}.json`;
  }

  get manifest(): string {
    return this.#under(MANIFEST_FILE);
  }

  /** A file built from the manifest (a table or the report). */
  table(file: BuiltFile): string {
    return this.#under(file);
  }

  get sensitivity(): string {
    return this.#under(SENSITIVITY_FILE);
  }

  /** A file the results index records, beside the manifest. */
  indexed(file: IndexedFile): string {
    return this.#under(file);
  }

  get adaptive(): string {
    return this.#under(ADAPTIVE_FILE);
  }

  /** An adaptive sweep's round on a cluster: its run indices, for its Job's pods (runner/src/rounds/round-file.ts). */
  round(round: number): string {
    return this.#under(`${ROUNDS_DIR}/${round}.json`);
  }

  /** Written after the manifest and the tables: each table's sha256 and the manifest digest they were built from. */
  get resultsIndex(): string {
    return this.#under(RESULTS_INDEX_FILE);
  }
}

/** An experiment's result set in a shared store: `<name>/<first 16 hex of the spec digest>`. */
export class ExperimentLayout extends ResultsLayout {
  readonly name: string;
  readonly digest: string;

  constructor(name: string, digest: string) {
    super(`${name}/${digest.slice(0, 16)}`);
    this.name = name;
    this.digest = digest;
  }

  static of(exp: Experiment): ExperimentLayout {
    return new ExperimentLayout(exp.metadata.name, specDigest(exp));
  }
}
