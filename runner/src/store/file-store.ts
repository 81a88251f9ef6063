import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwarmlabError } from '../errors.ts';
import { checkKey, toBuffer, type ObjectStore } from './store.ts';

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

  async putIfAbsent(key: string, body: string | Uint8Array): Promise<'created' | 'identical'> {
    checkKey(key);
    const bytes = toBuffer(body);
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    // Write the full content under a temp name, then link it into place: a
    // reader never sees a partial file and a second writer gets EEXIST.
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, bytes);
    try {
      await link(tmp, path);
      return 'created';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const existing = await readFile(path);
      if (existing.equals(bytes)) return 'identical';
      throw new SwarmlabError('OUTPUT_CONFLICT', `final key ${key} already holds different bytes; it is never overwritten`, { file: this.uriFor(key) });
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    checkKey(key);
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, toBuffer(body));
    await rename(tmp, path);
  }

  async get(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    try {
      return await readFile(join(this.root, key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
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

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
    } catch (e) {
      throw new SwarmlabError('STORE_UNAVAILABLE', `cannot write to ${this.root}: ${(e as Error).message}`, { file: this.uri, hint: 'pick a writable directory with --store file://DIR' });
    }
  }
}
