import { readFileSync } from 'node:fs';
import { sha256, SwarmlabError, type ObjectStore } from 'swarmlab';

type Body = Parameters<ObjectStore['putIfAbsent']>[1];

/**
 * An ObjectStore in memory for unit tests: it logs each request (`op key`)
 * so that a test can count what a step read, and can hold reads in flight
 * (`beforeRead`) so that a test can see how many run at once.
 */
export class MemoryStore implements ObjectStore {
  readonly uri = 'memory://test';
  readonly requests: string[] = [];
  beforeRead: ((key: string) => Promise<void>) | undefined;
  readonly #objects = new Map<string, Buffer>();

  async putIfAbsent(key: string, body: Body): Promise<'created' | 'identical'> {
    this.requests.push(`putIfAbsent ${key}`);
    const bytes = bytesOf(body);
    const existing = this.#objects.get(key);
    if (existing === undefined) {
      this.#objects.set(key, bytes);
      return 'created';
    }
    if (existing.equals(bytes)) return 'identical';
    throw new SwarmlabError('OUTPUT_CONFLICT', `final key ${key} already holds different bytes`, { file: this.uriFor(key) });
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    this.requests.push(`put ${key}`);
    this.#objects.set(key, bytesOf(body));
  }

  async get(key: string): Promise<Buffer | undefined> {
    this.requests.push(`get ${key}`);
    await this.beforeRead?.(key);
    return this.#objects.get(key);
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    this.requests.push(`get ${key} ${start}-${end}`);
    await this.beforeRead?.(key);
    const bytes = this.#objects.get(key);
    if (bytes === undefined || bytes.byteLength < end) throw new Error(`memory store: no bytes ${start}-${end - 1} of ${key}`);
    return bytes.subarray(start, end);
  }

  async stat(key: string): Promise<{ size: number; sha256: string } | undefined> {
    this.requests.push(`stat ${key}`);
    await this.beforeRead?.(key);
    const bytes = this.#objects.get(key);
    return bytes === undefined ? undefined : { size: bytes.byteLength, sha256: sha256(bytes) };
  }

  async list(prefix: string): Promise<string[]> {
    this.requests.push(`list ${prefix}`);
    return [...this.#objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async check(): Promise<void> {}

  uriFor(key: string): string {
    return `${this.uri}/${key}`;
  }

  /** Changes a stored object behind the runner's back (an edit in the store). */
  replace(key: string, bytes: Buffer): void {
    this.#objects.set(key, bytes);
  }

  bytes(key: string): Buffer | undefined {
    return this.#objects.get(key);
  }

  delete(prefix: string): void {
    for (const k of [...this.#objects.keys()]) if (k.startsWith(prefix)) this.#objects.delete(k);
  }
}

function bytesOf(body: Body): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return readFileSync(body.path);
}
