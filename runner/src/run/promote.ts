import { hostname } from 'node:os';
import { SwarmlabError } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import type { Experiment } from '../spec/experiment.ts';
import { planRun, type RunPoint } from '../spec/plan.ts';
import type { ObjectStore } from '../store/store.ts';
import { ExperimentLayout, type ResultsLayout } from '../store/layout.ts';
import { RunRecord, SCHEMA_VERSION, type FileEntry, type Provenance } from '../outputs/schemas.ts';
import { checkRunFiles, fileEntry, runDigest } from '../outputs/check-run.ts';
import { RUNNER_VERSION } from '../version.ts';
import { executeRun } from './execute.ts';
import { SinkPool } from '../outputs/byte-sink.ts';
import type { RunFiles } from '../outputs/run-files.ts';
import type { OutputHook } from './failpoints.ts';

/** This thread's output buffers, kept from run to run. */
const sinks = new SinkPool();

export interface RunOutcome {
  readonly point: RunPoint;
  readonly record: RunRecord;
  /** 'resumed' when validated outputs for this spec already existed and nothing ran. */
  readonly status: 'succeeded' | 'resumed';
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

/**
 * Validates a run's files (every schema, and the modules' own checks) and
 * writes them to their final write-once keys, run.json last. Nothing is
 * written if any check fails. The bytes checked are the bytes hashed and
 * written (S3 verifies them against the sha256 sent with them).
 */
export async function promoteRun(store: ObjectStore, layout: ExperimentLayout, point: RunPoint, files: RunFiles, registry: ModuleRegistry): Promise<RunRecord> {
  const problems = checkRunFiles(files, registry);
  if (problems.length > 0) {
    throw new SwarmlabError('INVALID_OUTPUT', `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`, { file: store.uriFor(layout.run(point.runId)) });
  }
  const entries: FileEntry[] = [];
  for (const [name, bytes] of files.entries()) {
    const entry = fileEntry(name, bytes);
    await store.putIfAbsent(layout.runFile(point.runId, name), bytes, entry.sha256);
    entries.push(entry);
  }
  const record: RunRecord = {
    schema_version: SCHEMA_VERSION,
    run_id: point.runId,
    index: point.index,
    seed: point.seed,
    params: { ...point.params },
    files: entries,
    digest: runDigest(entries),
  };
  await store.putIfAbsent(layout.runRecord(point.runId), `${JSON.stringify(record, null, 2)}\n`);
  return record;
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
 */
export async function runAndPromote(exp: Experiment, index: number, store: ObjectStore, opts: RunOptions): Promise<RunOutcome> {
  const layout = ExperimentLayout.of(exp);
  const point = planRun(exp, index);
  const existing = await readRunRecord(store, layout, point.runId);
  if (existing) return { point, record: existing, status: 'resumed' };

  const started = new Date();
  const events = sinks.acquire();
  const metrics = sinks.acquire();
  let record: RunRecord;
  try {
    const out = executeRun(exp, point, opts.registry, { events, metrics });
    const files = opts.beforeValidate === undefined ? out.files : opts.beforeValidate(out.files);
    record = await promoteRun(store, layout, point, files, opts.registry);
  } finally {
    sinks.release(events);
    sinks.release(metrics);
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
  await store.put(layout.provenance(point.runId), `${JSON.stringify(provenance, null, 2)}\n`);
  return { point, record, status: 'succeeded' };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

