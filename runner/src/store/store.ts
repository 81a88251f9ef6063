/** Where run outputs live. Final keys are write-once: equal bytes is a no-op, different bytes a conflict. */
export interface ObjectStore {
  /** The URI the store was opened from, normalised (file:///abs/dir or s3://bucket/prefix). */
  readonly uri: string;
  /**
   * Writes a final key once. Returns 'created' or 'identical'; throws
   * OUTPUT_CONFLICT on different bytes. A store that can verify what it
   * received checks it against `sha256` (hex) when given. A FileBody is read
   * from its file as it is sent, never whole.
   */
  putIfAbsent(key: string, body: string | Uint8Array | FileBody, sha256?: string): Promise<'created' | 'identical'>;
  /** Writes a key that may be replaced (provenance, manifest). */
  put(key: string, body: string | Uint8Array): Promise<void>;
  /** The key's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  /** Bytes [start, end) of a key that exists and is at least `end` bytes long (STORE_ERROR otherwise): a large file is read by the parts a reader needs, never whole. */
  getRange(key: string, start: number, end: number): Promise<Buffer>;
  /**
   * The key's size, and its sha256 (hex) when the store has it without
   * reading the bytes back over the network: a file store hashes the file, S3
   * returns the checksum it verified at upload. Undefined when the key does not exist.
   */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Every key under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Checks the store can be reached and written under `prefix` (an experiment's folder); throws STORE_UNAVAILABLE. */
  check(prefix: string): Promise<void>;
  /** A URI for a key, for people and status fields. */
  uriFor(key: string): string;
}

export interface StoredObject {
  readonly size: number;
  /** Absent when the store keeps no full-object SHA-256 for the key (it was not written with one). */
  readonly sha256?: string;
}

/** A final key's body in a local file (a run's staged trace), finished: its size and sha256 are known before it is sent, and a store may link the file into place rather than copy it. */
export interface FileBody {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export function isFileBody(body: string | Uint8Array | FileBody): body is FileBody {
  return typeof body === 'object' && !(body instanceof Uint8Array);
}

export function toBuffer(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Keys are relative, '/'-separated, without '..' or empty segments. */
export function checkKey(key: string): void {
  if (key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`invalid store key ${JSON.stringify(key)}`);
  }
}
