import type { z } from 'zod';
import type { ObjectStore } from '../store/store.ts';

/** A JSON file derived from one manifest's results: its document, or what is wrong with it in words. */
export type DerivedFileRead<T> = { readonly doc: T; readonly bytes: Buffer } | { readonly problem: string };

/**
 * A JSON file written beside the tables from one manifest (sensitivity.json,
 * adaptive.json): undefined when there is none; otherwise its document when
 * it parses, meets its schema and names `manifestDigest`, or why it cannot be
 * used ("is not JSON (...)", "is not valid (path: ...)", "was computed from
 * other results (manifest ...)").
 */
export async function readDerivedFile<S extends z.ZodType<{ manifest_digest: string }>>(store: ObjectStore, key: string, schema: S, manifestDigest: string): Promise<DerivedFileRead<z.output<S>> | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return { problem: `is not JSON (${(e as Error).message})` };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `is not valid (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})` };
  }
  if (parsed.data.manifest_digest !== manifestDigest) return { problem: `was computed from other results (manifest ${parsed.data.manifest_digest.slice(0, 16)})` };
  return { doc: parsed.data, bytes };
}
