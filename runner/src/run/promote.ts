import { hostname } from 'node:os';
import { isSwarmlabError, SwarmlabError } from '../errors.ts';
import { canonicalJson, sha256 } from '../spec/canonical.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import type { Experiment } from '../spec/experiment.ts';
import { planRun, type RunPoint } from '../spec/plan.ts';
import type { ObjectStore } from '../store/store.ts';
import { ExperimentLayout, type ResultsLayout } from '../store/layout.ts';
import { RunRecord, SCHEMA_VERSION, type CodeStamp, type FileEntry, type Provenance } from '../outputs/schemas.ts';
import { RUN_RECORD, checkRunFiles, fileEntry } from '../outputs/check-run.ts';
import { runDigest } from '../outputs/digests.ts';
import type { StoredHash } from '../outputs/manifest.ts';
import { storedHash, storedRunProblems } from './stored-run.ts';
import { RUNNER_VERSION } from '../version.ts';
import { traceOf } from '../spec/load.ts';
import { TRACE_WRITER_STAMP } from '../outputs/trace-writer-stamp.ts';
import { executeRun } from './execute.ts';
import { SinkPool } from '../outputs/byte-sink.ts';
import { StagingArea } from '../outputs/staged-file.ts';
import type { RunFiles } from '../outputs/run-files.ts';
import type { OutputHook } from './failpoints.ts';
import { fetchRunInputs } from './run-inputs.ts';

/** This thread's output buffers, kept from run to run. */
const sinks = new SinkPool();

export interface RunOutcome {
  readonly point: RunPoint;
  readonly record: RunRecord;
  /** 'resumed' when validated outputs for this spec already existed, still matched their record, and nothing ran. */
  readonly status: 'succeeded' | 'resumed';
  /** The run's provenance file as stored, for the manifest's integrity field; absent if it has none. */
  readonly provenance?: StoredHash;
}

/** Reads a run's record if it exists and is well-formed; a run with a record has succeeded. */
export async function readRunRecord(store: ObjectStore, layout: ResultsLayout, runId: string): Promise<RunRecord | undefined> {
  const bytes = await store.get(layout.runRecord(runId));
  if (!bytes) return undefined;
  const parsed = RunRecord.safeParse(parseJson(bytes));
  if (!parsed.success) {
    throw new SwarmlabError('INVALID_OUTPUT', `run record is malformed: ${parsed.error.issues[0]?.message ?? ''}`, { file: store.uriFor(layout.runRecord(runId)) });
  }
  return parsed.data;
}

/** What the manifest needs of a run that succeeded: its record, and the hash of its provenance file if it has one. */
export async function readRunForManifest(store: ObjectStore, layout: ExperimentLayout, point: RunPoint): Promise<StoredRun | undefined> {
  const record = await readRunRecord(store, layout, point.runId);
  if (record === undefined) return undefined;
  // A run is kept only while its files are what its record says (they may have been edited since it was written).
  const problems = await storedRunProblems(store, layout, point, record);
  if (problems.length > 0) return { problems };
  const provenance = await storedHash(store, layout.provenance(point.runId));
  return provenance ? { record, provenance } : { record };
}

/** A stored run as a manifest takes it: its record and provenance hash, or why it cannot be kept as done. */
export type StoredRun = { record: RunRecord; provenance?: StoredHash } | { problems: string[] };

/**
 * Validates a run's files (every schema, and the modules' own checks) and
 * writes them to their final write-once keys; returns the record that
 * writeRecord writes last. Nothing is written if any check fails. The bytes
 * checked are the bytes hashed and written (S3 verifies them against the
 * sha256 sent with them).
 */
async function promoteFiles(store: ObjectStore, layout: ExperimentLayout, point: RunPoint, files: RunFiles, registry: ModuleRegistry, code: readonly CodeStamp[]): Promise<RunRecord> {
  const problems = await checkRunFiles(files, registry);
  if (problems.length > 0) {
    throw new SwarmlabError('INVALID_OUTPUT', `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`, { file: store.uriFor(layout.run(point.runId)) });
  }
  const entries: FileEntry[] = [];
  for (const [name, bytes] of files.entries()) {
    const entry = fileEntry(name, bytes);
    await store.putIfAbsent(layout.runFile(point.runId, name), bytes, entry.sha256);
    entries.push(entry);
  }
  const fields = {
    schema_version: SCHEMA_VERSION,
    run_id: point.runId,
    index: point.index,
    seed: point.seed,
    params: { ...point.params },
    files: entries,
    code: [...code],
  };
  return { ...fields, digest: runDigest(fields) };
}

/** run.json, the run's last write: whoever finds it (a resume, the operator's manifest) finds every other file of the run, its provenance too. */
async function writeRecord(store: ObjectStore, layout: ExperimentLayout, record: RunRecord, replaceRecord: boolean): Promise<void> {
  const text = `${JSON.stringify(record, null, 2)}\n`;
  // Only a run made again by other code, whose files came out byte for byte the same, takes a new record.
  if (replaceRecord) await store.put(layout.runRecord(record.run_id), text);
  else await store.putIfAbsent(layout.runRecord(record.run_id), text);
}

export interface RunOptions {
  readonly registry: ModuleRegistry;
  /** Identifies this attempt in provenance (a pod name, or a local counter). */
  readonly attempt: string;
  /** Test fault injection between execution and validation (failpoints.ts); unset in normal runs. */
  readonly beforeValidate?: OutputHook | undefined;
}

/**
 * The one code path both executors use: skip if already done for this spec,
 * else execute, validate, promote, and record provenance apart.
 *
 * A run already done is kept only if its files still match its record
 * (storedRunProblems). Otherwise it runs again: its bytes are deterministic,
 * so a missing file is written anew, while a changed one meets its write-once
 * key and fails the run with OUTPUT_CONFLICT, never counted as done.
 */
export async function runAndPromote(exp: Experiment, index: number, store: ObjectStore, opts: RunOptions): Promise<RunOutcome> {
  const layout = ExperimentLayout.of(exp);
  const point = planRun(exp, index);
  const existing = await readRunRecord(store, layout, point.runId);
  if (existing) {
    const problems = await storedRunProblems(store, layout, point, existing);
    const code = codeOf(exp, opts.registry);
    const sameCode = canonicalJson(existing.code ?? null) === canonicalJson(code);
    if (problems.length === 0 && sameCode) {
      const provenance = await storedHash(store, layout.provenance(point.runId));
      return { point, record: existing, status: 'resumed', ...(provenance ? { provenance } : {}) };
    }
    if (problems.length === 0) {
      // Made by other code: never reused. Run again; the same bytes keep the run under the new code, other bytes are a conflict.
      try {
        return await executeAndPromote(exp, point, layout, store, opts, true);
      } catch (e) {
        if (!isSwarmlabError(e) || e.code !== 'OUTPUT_CONFLICT') throw e;
        throw new SwarmlabError('OUTPUT_CONFLICT', `the stored run was made by ${describeCode(existing.code)}; this runner has ${describeCode(code)}, and running it again gave different outputs, which never overwrite stored ones`, {
          file: store.uriFor(layout.run(point.runId)),
          hint: 'write the results to another store (--store), or delete this run\'s folder to replace it',
        });
      }
    }
    try {
      return await executeAndPromote(exp, point, layout, store, opts);
    } catch (e) {
      if (!isSwarmlabError(e) || e.code !== 'OUTPUT_CONFLICT') throw e;
      throw new SwarmlabError('OUTPUT_CONFLICT', `the stored run no longer matches its run.json (${problems.slice(0, 3).join('; ')}) and running it again gave different bytes at a write-once key: ${e.message}`, {
        file: store.uriFor(layout.run(point.runId)),
        hint: "delete this run's folder to run it again",
      });
    }
  }
  return executeAndPromote(exp, point, layout, store, opts);
}

/**
 * The code that makes an experiment's runs: one entry per package its
 * modules come from, by package name, and the Parquet trace writer when the
 * trace is written as Parquet (its bytes are in the run's files).
 */
export function codeOf(exp: Experiment, registry: ModuleRegistry): CodeStamp[] {
  const byPackage = new Map<string, CodeStamp>();
  for (const ref of exp.spec.scenario.modules) {
    const source = registry.entry(ref.kind, ref.module)?.source;
    if (source) byPackage.set(source.package, { package: source.package, version: source.version, digest: source.digest });
  }
  if (traceOf(exp).format === 'parquet') byPackage.set(TRACE_WRITER_STAMP.package, TRACE_WRITER_STAMP);
  return [...byPackage.values()].sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0));
}

function describeCode(code: readonly CodeStamp[] | undefined): string {
  return code === undefined ? 'code it did not record (before schema 2.1.0)' : code.map((c) => `${c.package}@${c.version} (code ${c.digest.slice(0, 12)})`).join(', ');
}

async function executeAndPromote(exp: Experiment, point: RunPoint, layout: ExperimentLayout, store: ObjectStore, opts: RunOptions, replaceRecord = false): Promise<RunOutcome> {
  const started = new Date();
  const inputs = await fetchRunInputs(exp, point.params, opts.registry);
  const events = sinks.acquire();
  const metrics = sinks.acquire();
  // The trace streams to local staging files, which are checked there and only then copied to their final keys.
  const staging = new StagingArea();
  let record: RunRecord;
  try {
    const out = executeRun(exp, point, opts.registry, { events, metrics }, staging, inputs);
    const files = opts.beforeValidate === undefined ? out.files : opts.beforeValidate(out.files);
    record = await promoteFiles(store, layout, point, files, opts.registry, codeOf(exp, opts.registry));
  } finally {
    sinks.release(events);
    sinks.release(metrics);
    staging.remove();
  }
  const finished = new Date();
  const provenance: Provenance = {
    run_id: point.runId,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - started.getTime(),
    host: hostname(),
    runner_version: RUNNER_VERSION,
    node_version: process.version,
    attempt: opts.attempt,
  };
  const provenanceBytes = Buffer.from(`${JSON.stringify(provenance, null, 2)}\n`, 'utf8');
  await store.put(layout.provenance(point.runId), provenanceBytes);
  await writeRecord(store, layout, record, replaceRecord);
  return { point, record, status: 'succeeded', provenance: { size: provenanceBytes.byteLength, sha256: sha256(provenanceBytes) } };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

