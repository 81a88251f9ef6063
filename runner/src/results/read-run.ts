import { createHash } from 'node:crypto';
import { SwarmlabError } from '../errors.ts';
import { memoryBuffer, type RangeSource } from '../outputs/parquet-columns.ts';
import { sha256 } from '../spec/canonical.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { Summary, type ManifestRun } from '../outputs/schemas.ts';
import { heapGrowth } from '../engine/heap-growth.ts';

const SUMMARY_FILE = 'summary.json';

/**
 * A succeeded run's file, as the manifest recorded it: the bytes must have
 * the size and sha256 of the manifest's entry, so what is built from them is
 * built from the results the manifest digest covers. Results code reads a
 * run's files only through here (their formats may change).
 */
export async function readRunFile(store: ObjectStore, layout: ResultsLayout, run: ManifestRun, name: string): Promise<Buffer> {
  const { key, entry } = recordedFile(store, layout, run, name);
  const bytes = await store.get(key);
  if (bytes === undefined) throw invalidRunFile(store, key, name, 'missing');
  if (bytes.byteLength !== entry.size || sha256(bytes) !== entry.sha256) throw invalidRunFile(store, key, name, 'its bytes are not the ones manifest.json records');
  return bytes;
}

/**
 * A succeeded run's file read by the ranges a reader asks for, never whole:
 * a long run's trace may be larger than the memory the reader is given. Its
 * size and sha256 must be the manifest's first; the sha256 is the store's
 * own (stat: a file store hashes the file a block at a time, S3 returns the
 * checksum it verified at upload) or, where the store keeps none, made by
 * reading the file through once in bounded parts. Final keys are write-once,
 * so the ranges read after are of the bytes checked.
 */
export async function openRunFile(store: ObjectStore, layout: ResultsLayout, run: ManifestRun, name: string): Promise<RangeSource> {
  const { key, entry } = recordedFile(store, layout, run, name);
  const stat = await store.stat(key);
  if (stat === undefined) throw invalidRunFile(store, key, name, 'missing');
  const size = stat.size;
  if (size !== entry.size || (stat.sha256 ?? (await hashByRanges(store, key, size))) !== entry.sha256) {
    throw invalidRunFile(store, key, name, 'its bytes are not the ones manifest.json records');
  }
  return {
    byteLength: size,
    slice: async (start: number, end = size): Promise<ArrayBuffer> => memoryBuffer(await store.getRange(key, start, end)),
  };
}

/** A run file's key and the manifest's entry for it (size, sha256); INVALID_OUTPUT when the manifest records none. */
function recordedFile(store: ObjectStore, layout: ResultsLayout, run: ManifestRun, name: string): { key: string; entry: NonNullable<ManifestRun['files']>[number] } {
  const key = layout.runFile(run.run_id, name);
  const entry = run.files?.find((f) => f.name === name);
  if (entry === undefined) throw invalidRunFile(store, key, name, `manifest.json records no ${name} for ${run.run_id}`);
  return { key, entry };
}

const HASH_PART = 8 * 2 ** 20;

async function hashByRanges(store: ObjectStore, key: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += HASH_PART) {
    hash.update(await store.getRange(key, at, Math.min(size, at + HASH_PART)));
    heapGrowth.collectIfGrown();
  }
  return hash.digest('hex');
}

/** A succeeded run's summary.json, checked against the manifest and its schema. */
export async function readRunSummary(store: ObjectStore, layout: ResultsLayout, run: ManifestRun): Promise<Summary> {
  const bytes = await readRunFile(store, layout, run, SUMMARY_FILE);
  const key = layout.runFile(run.run_id, SUMMARY_FILE);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalidRunFile(store, key, SUMMARY_FILE, `not JSON: ${(e as Error).message}`);
  }
  const parsed = Summary.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRunFile(store, key, SUMMARY_FILE, `${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function invalidRunFile(store: ObjectStore, key: string, name: string, why: string): SwarmlabError {
  return new SwarmlabError('INVALID_OUTPUT', `${name}: ${why}`, { file: store.uriFor(key), hint: 'swarmlab validate lists every problem of the result set' });
}
