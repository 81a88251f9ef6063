import { hostname } from 'node:os';
import { SwarmlabError } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import type { Experiment } from '../spec/experiment.ts';
import { planRun, type RunPoint } from '../spec/plan.ts';
import type { ObjectStore } from '../store/store.ts';
import { ExperimentLayout } from '../store/layout.ts';
import { z } from 'zod';
import { FileEntry, RunRecord, SCHEMA_VERSION, type Provenance } from '../outputs/schemas.ts';
import { RUN_RECORD, checkRunFiles, fileEntry, runDigest } from '../outputs/check-run.ts';
import { RUNNER_VERSION } from '../version.ts';
import { executeRun } from './execute.ts';
import type { AfterStageHook } from './failpoints.ts';

export interface RunOutcome {
  readonly point: RunPoint;
  readonly record: RunRecord;
  /** 'resumed' when validated outputs for this spec already existed and nothing ran. */
  readonly status: 'succeeded' | 'resumed';
}

/** Reads a run's record if it exists and is well-formed; a run with a record has succeeded. */
export async function readRunRecord(store: ObjectStore, layout: ExperimentLayout, runId: string): Promise<RunRecord | undefined> {
  const bytes = await store.get(layout.runRecord(runId));
  if (!bytes) return undefined;
  const parsed = RunRecord.safeParse(parseJson(bytes));
  if (!parsed.success) {
    throw new SwarmlabError('INVALID_OUTPUT', `run record is malformed: ${parsed.error.issues[0]?.message ?? ''}`, { file: store.uriFor(layout.runRecord(runId)) });
  }
  return parsed.data;
}

/** Writes a run's files under the staging prefix of one attempt, with the list of their hashes. */
export async function stageRun(store: ObjectStore, layout: ExperimentLayout, runId: string, attempt: string, files: ReadonlyMap<string, string>): Promise<FileEntry[]> {
  const prefix = layout.staging(runId, attempt);
  const entries: FileEntry[] = [];
  for (const [name, content] of files) {
    await store.put(`${prefix}/${name}`, content);
    entries.push(fileEntry(name, content));
  }
  await store.put(`${prefix}/staged.json`, `${JSON.stringify(entries)}\n`);
  return entries;
}

/**
 * Validates a staged attempt (every file's hash against what was staged, and
 * its schema) and promotes it to the final write-once keys, run.json last.
 * Nothing is promoted if any check fails.
 */
export async function promoteStaged(
  store: ObjectStore,
  layout: ExperimentLayout,
  point: RunPoint,
  attempt: string,
  registry: ModuleRegistry,
): Promise<RunRecord> {
  const prefix = layout.staging(point.runId, attempt);
  const stagedBytes = await store.get(`${prefix}/staged.json`);
  if (!stagedBytes) throw new SwarmlabError('INVALID_OUTPUT', `no staged files for ${point.runId} attempt ${attempt}`, { file: store.uriFor(prefix) });
  const stagedList = z.array(FileEntry).min(1).safeParse(parseJson(stagedBytes));
  if (!stagedList.success) throw new SwarmlabError('INVALID_OUTPUT', `staged file list for ${point.runId} is malformed`, { file: store.uriFor(`${prefix}/staged.json`) });
  const staged = stagedList.data;
  const files = new Map<string, string>();
  const problems: string[] = [];
  for (const want of staged) {
    const bytes = await store.get(`${prefix}/${want.name}`);
    if (!bytes) {
      problems.push(`${want.name}: missing from staging`);
      continue;
    }
    const got = fileEntry(want.name, bytes);
    if (got.sha256 !== want.sha256 || got.size !== want.size) problems.push(`${want.name}: sha256 ${got.sha256} does not match the staged ${want.sha256}`);
    files.set(want.name, bytes.toString('utf8'));
  }
  if (problems.length === 0) problems.push(...checkRunFiles(files, registry));
  if (problems.length > 0) {
    throw new SwarmlabError('INVALID_OUTPUT', `${point.runId}: ${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`, { file: store.uriFor(prefix) });
  }
  for (const entry of staged) {
    await store.putIfAbsent(layout.runFile(point.runId, entry.name), files.get(entry.name) as string);
  }
  const record: RunRecord = {
    schema_version: SCHEMA_VERSION,
    run_id: point.runId,
    index: point.index,
    seed: point.seed,
    params: { ...point.params },
    files: staged,
    digest: runDigest(staged),
  };
  await store.putIfAbsent(layout.runRecord(point.runId), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

export interface RunOptions {
  readonly registry: ModuleRegistry;
  /** Identifies this attempt's staging prefix (a pod name, or a local counter). */
  readonly attempt: string;
  /** Test fault injection between staging and promotion (failpoints.ts); unset in normal runs. */
  readonly afterStage?: AfterStageHook | undefined;
}

/**
 * The one code path both executors use: skip if already done for this spec,
 * else execute, stage, validate, promote, and record provenance apart.
 */
export async function runAndPromote(exp: Experiment, index: number, store: ObjectStore, opts: RunOptions): Promise<RunOutcome> {
  const layout = ExperimentLayout.of(exp);
  const point = planRun(exp, index);
  const existing = await readRunRecord(store, layout, point.runId);
  if (existing) return { point, record: existing, status: 'resumed' };

  const started = new Date();
  const out = executeRun(exp, point, opts.registry);
  await stageRun(store, layout, point.runId, opts.attempt, out.files);
  if (opts.afterStage !== undefined) await opts.afterStage(store, layout.staging(point.runId, opts.attempt));
  const record = await promoteStaged(store, layout, point, opts.attempt, opts.registry);
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
  await store.deletePrefix(`${layout.staging(point.runId, opts.attempt)}/`);
  return { point, record, status: 'succeeded' };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

export { RUN_RECORD };
