import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { canonicalJson, sha256 } from '../spec/canonical.ts';

// A module's code digest: what a run records of the code that made it, and
// what resume compares, so that results made by other code are never reused.
// It covers a package's code files and package.json, not its tests, its
// dependencies (node_modules) or anything a run writes (results/, .json data).

const CODE = /\.(js|mjs|cjs|ts|mts|cts)$/;
const TEST = /\.test\.[a-z]+$/;

function codeFiles(dir: string, root: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) codeFiles(path, root, out);
    else if ((CODE.test(name) && !TEST.test(name)) || (name === 'package.json' && dir === root)) out.push(path);
  }
}

/** sha256 over each code file's path (relative to `root`, '/'-separated) and content hash, in path order. */
export function codeDigest(roots: readonly string[]): string {
  const entries: [string, string][] = [];
  for (const root of roots) {
    const files: string[] = [];
    if (statSync(root).isDirectory()) codeFiles(root, root, files);
    else files.push(root);
    for (const f of files) entries.push([relative(roots[0]!, f).split(sep).join('/'), sha256(readFileSync(f))]);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return sha256(canonicalJson(entries));
}
