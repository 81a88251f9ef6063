import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A run's big files are streamed to a local staging folder as the run
// writes them, hashed as they are written, checked there and only then
// promoted to their final keys: the run's memory never holds them, and
// nothing final exists before its checks pass.

/** A file written once into a staging folder: its path, size and sha256 once finished. */
export class StagedFile {
  readonly path: string;
  #fd: number | undefined;
  #size = 0;
  readonly #hash: Hash = createHash('sha256');
  #sha256: string | undefined;

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'wx');
  }

  append(part: Uint8Array): void {
    if (this.#fd === undefined) throw new Error(`${this.path}: written after it was finished`);
    for (let at = 0; at < part.length; ) at += writeSync(this.#fd, part, at);
    this.#hash.update(part);
    this.#size += part.length;
  }

  /** Closes the file; its size and sha256 are then known. */
  finish(): this {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
      this.#sha256 = this.#hash.digest('hex');
    }
    return this;
  }

  get size(): number {
    return this.#size;
  }

  get sha256(): string {
    if (this.#sha256 === undefined) throw new Error(`${this.path}: not finished`);
    return this.#sha256;
  }

  /** The whole file in memory: for small files and tests only. */
  read(): Buffer {
    return readFileSync(this.path);
  }
}

/** A run's staging folder, removed with everything in it once the run is promoted or failed. */
export class StagingArea {
  readonly dir: string;

  constructor(parent = tmpdir()) {
    this.dir = mkdtempSync(join(parent, 'swarmlab-stage-'));
  }

  file(name: string): StagedFile {
    return new StagedFile(join(this.dir, name));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
