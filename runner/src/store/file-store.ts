import { randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, linkSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwarmlabError } from '../errors.ts';
import { createHash } from 'node:crypto';
import { checkKey, isFileBody, toBuffer, type FileBody, type ObjectStore, type StoredObject } from './store.ts';

/** A directory as an object store. Write-once uses link(2), which fails atomically if the name exists. */
export class FileStore implements ObjectStore {
  readonly uri: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = root;
    this.uri = pathToFileURL(root).href;
  }

  uriFor(key: string): string {
    return pathToFileURL(join(this.root, key)).href;
  }

  // Writes and reads are synchronous on purpose: a local sweep keeps every
  // core busy with a worker, so handing each open, write, close and link to
  // libuv's thread pool only added thread hand-offs and event-loop turns for
  // calls that take microseconds (in a one-worker sweep, threads other than
  // the main one used a third as much CPU as it did). The methods stay async
  // to fit ObjectStore.

  async putIfAbsent(key: string, body: string | Uint8Array | FileBody): Promise<'created' | 'identical'> {
    checkKey(key);
    return this.#writing(key, () => this.#putIfAbsent(key, body));
  }

  #putIfAbsent(key: string, body: string | Uint8Array | FileBody): 'created' | 'identical' {
    const path = join(this.root, key);
    // A staged file on this file system is linked into place as it is: the
    // kernel copied a 10-million-event trace's 240 MB in half a second.
    if (isFileBody(body)) {
      const linked = linkCreatingDirs(body.path, path);
      if (linked !== 'elsewhere') return linked === 'linked' ? 'created' : this.#existing(key, path, body);
    }
    // Write the full content under a temp name, then link it into place: a
    // reader never sees a partial file and a second writer gets EEXIST.
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    if (isFileBody(body)) copyCreatingDirs(body.path, tmp);
    else writeCreatingDirs(tmp, toBuffer(body));
    try {
      linkSync(tmp, path);
      return 'created';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return this.#existing(key, path, body);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** A write-once key that exists: the same bytes are a no-op, others a conflict. */
  #existing(key: string, path: string, body: string | Uint8Array | FileBody): 'identical' {
    if (isFileBody(body) ? statSync(path).size === body.size && hashFile(path) === body.sha256 : readFileSync(path).equals(toBuffer(body))) return 'identical';
    throw new SwarmlabError('OUTPUT_CONFLICT', `final key ${key} already holds different bytes; it is never overwritten`, { file: this.uriFor(key) });
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    checkKey(key);
    this.#writing(key, () => {
      const path = join(this.root, key);
      const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
      writeCreatingDirs(tmp, toBuffer(body));
      renameSync(tmp, path);
    });
  }

  /** A file system's refusal mid-sweep (permissions, a full disk) is a store error of the key, not an internal error. */
  #writing<T>(key: string, write: () => T): T {
    try {
      return write();
    } catch (e) {
      if (e instanceof SwarmlabError || typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
      throw new SwarmlabError('STORE_ERROR', `cannot write ${key}: ${(e as Error).message}`, { file: this.uriFor(key), cause: e });
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    try {
      return readFileSync(join(this.root, key));
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw e;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    checkKey(key);
    const out = Buffer.allocUnsafeSlow(Math.max(0, end - start));
    try {
      const fd = openSync(join(this.root, key), 'r');
      try {
        for (let done = 0; done < out.length; ) {
          const n = readSync(fd, out, done, out.length - done, start + done);
          if (n === 0) throw new SwarmlabError('STORE_ERROR', `cannot read bytes ${start}-${end - 1} of ${key}: it ends at byte ${start + done}`, { file: this.uriFor(key) });
          done += n;
        }
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if (e instanceof SwarmlabError) throw e;
      throw new SwarmlabError('STORE_ERROR', `cannot read ${key}: ${(e as Error).message}`, { file: this.uriFor(key), cause: e });
    }
    return out;
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    const path = join(this.root, key);
    // Hashed a block at a time: a run's trace may be larger than the memory a run is given.
    try {
      return { size: statSync(path).size, sha256: hashFile(path) };
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw e;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isAbsent(e)) return;
        throw e;
      }
      for (const ent of entries) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) await walk(p);
        else if (!ent.name.includes('.tmp-')) out.push(relative(this.root, p).split(sep).join('/'));
      }
    };
    await walk(this.root);
    return out.filter((k) => k.startsWith(prefix)).sort();
  }

  // A file written and removed, not access(2): root passes W_OK on a
  // read-only mount or an immutable folder, where the first real write fails.
  async check(prefix: string): Promise<void> {
    checkKey(prefix);
    const dir = join(this.root, prefix);
    const probe = join(dir, `.swarmlab-write-check-${randomBytes(6).toString('hex')}`);
    try {
      makeDirs(dir);
      writeFileSync(probe, 'ok');
      rmSync(probe);
    } catch (e) {
      throw new SwarmlabError('STORE_UNAVAILABLE', `cannot write to ${dir}: ${(e as Error).message}`, {
        file: pathToFileURL(dir).href,
        hint: 'pick a writable directory with --store file://DIR',
      });
    }
  }
}

/**
 * Links a finished file under a second name: 'exists' when the name is taken
 * (link(2) never replaces one), 'elsewhere' when it cannot be linked there
 * (another file system, or one without hard links), for the caller to copy
 * it instead.
 */
function linkCreatingDirs(from: string, to: string): 'linked' | 'exists' | 'elsewhere' {
  try {
    creatingDirs(to, () => linkSync(from, to));
    return 'linked';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : 'elsewhere';
  }
}

/** Copies a file (the kernel copies it, not this process's memory). */
function copyCreatingDirs(from: string, to: string): void {
  creatingDirs(to, () => copyFileSync(from, to, constants.COPYFILE_EXCL));
}

/** A file's sha256, read a block at a time. */
function hashFile(path: string): string {
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, block, 0, block.length, null)) > 0; ) hash.update(block.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function writeCreatingDirs(path: string, bytes: Buffer): void {
  creatingDirs(path, () => writeFileSync(path, bytes));
}

/** Makes `path`, creating its directory only when it is missing (most writes go to one that exists). */
function creatingDirs(path: string, make: () => void): void {
  try {
    make();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    makeDirs(dirname(path));
    make();
  }
}

/**
 * mkdir -p that always ends: Node's recursive mkdir loops forever where
 * mkdir(2) answers ENOENT under a parent that exists (as in /proc).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      mkdirSync(d);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') break;
      if (code !== 'ENOENT' || dirname(d) === d || missing.includes(d)) throw e;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** No such key: the path is missing, or one of its folders is a file. */
function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
