import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeDigest } from '../plugins/code-digest.ts';
import { canonicalJson, sha256 } from '../spec/canonical.ts';
import type { CodeStamp } from './schemas.ts';

// The bytes of a Parquet trace are the work of hyparquet-writer (the
// encoding), node's bundled zstd (the compression) and the runner's own
// writer code; hyparquet reads them back for validation and export. Each is
// pinned (package.json: exact versions; the image: one Node), and a Parquet
// run records them in its code (run.json), beside its modules' packages:
// resume takes a run made by another writer as made by other code, so it is
// made again and kept if its bytes are the same, and a difference is a
// conflict that names both writers, never a silent mix of writers in one
// result set nor a conflict blamed on the stored files.

const WRITER = 'hyparquet-writer';
const READER = 'hyparquet';

/** A dependency's version, from the package.json above its entry point (the packages export no ./package.json). */
function installedVersion(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version !== undefined) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package.json of ${name}`);
    dir = up;
  }
}

/** What the stamp covers, by name: the libraries' versions, zstd's, and the digest of the runner's Parquet writer code. */
export const TRACE_WRITER_PARTS: Readonly<Record<string, string>> = {
  [WRITER]: installedVersion(WRITER),
  [READER]: installedVersion(READER),
  zstd: process.versions.zstd ?? 'unknown',
  writer: codeDigest(['./trace-parquet.ts', './parquet-column-chunk.ts', './payload-fields.ts', './zstd.ts', './trace-row-checks.ts'].map((f) => fileURLToPath(new URL(f, import.meta.url)))),
};

/** The Parquet trace writer as a run's code records it. */
export const TRACE_WRITER_STAMP: CodeStamp = {
  package: WRITER,
  version: `${TRACE_WRITER_PARTS[WRITER]} (${READER} ${TRACE_WRITER_PARTS[READER]}, zstd ${TRACE_WRITER_PARTS['zstd']})`,
  digest: sha256(canonicalJson(TRACE_WRITER_PARTS)),
};
