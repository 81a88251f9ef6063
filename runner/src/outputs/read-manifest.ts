import semver from 'semver';
import { SwarmlabError } from '../errors.ts';
import type { ObjectStore } from '../store/store.ts';
import { Manifest, SCHEMA_VERSION } from './schemas.ts';

/** A stored manifest.json, parsed; an error naming the file when it is missing, not JSON, of another major schema version, or invalid. */
export async function readManifest(store: ObjectStore, key: string): Promise<Manifest> {
  const file = store.uriFor(key);
  const bytes = await store.get(key);
  if (bytes === undefined) throw new SwarmlabError('BAD_FILE', 'no manifest.json', { file });
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SwarmlabError('BAD_FILE', `not JSON: ${(e as Error).message}`, { file });
  }
  const version = (doc as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === 'string' && semver.valid(version) !== null && semver.major(version) !== semver.major(SCHEMA_VERSION)) {
    throw new SwarmlabError('UNSUPPORTED_SCHEMA_VERSION', `schema_version ${version} is not ${semver.major(SCHEMA_VERSION)}.x`, { file, hint: 'upgrade a copy with swarmlab migrate' });
  }
  const parsed = Manifest.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SwarmlabError('BAD_FILE', `${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, { file, hint: 'swarmlab validate lists every problem' });
  }
  return parsed.data;
}
