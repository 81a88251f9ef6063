import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceThread, writeAt } from './trace-thread.ts';

// A run's big files are streamed to a local staging folder as the run
// writes them, hashed as they are written, checked there and only then
// promoted to their final keys: the run's memory never holds them, and
// nothing final exists before its checks pass.

/**
 * A file written once into a staging folder: its path, size and sha256 once
 * finished. Its parts are hashed here, in order, and written at their
 * offsets on the trace thread where there is one (trace-thread.ts).
 */
export class StagedFile {
  readonly path: string;
  #fd: number | undefined;
  #size = 0;
  readonly #hash: Hash = createHash('sha256');
  #sha256: string | undefined;
  readonly #thread = TraceThread.shared();

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'wx');
  }

  /** Takes a copy of `part` (or writes it out): the caller may reuse it. */
  append(part: Uint8Array): void {
    const fd = this.#fd;
    if (fd === undefined) throw new Error(`${this.path}: written after it was finished`);
    if (this.#thread) this.#thread.write(fd, this.#size, part);
    else writeAt(fd, part, this.#size);
    this.#hash.update(part);
    this.#size += part.length;
  }

  /** Closes the file once every part is written; its size and sha256 are then known. */
  finish(): this {
    const fd = this.#fd;
    if (fd !== undefined) {
      this.#fd = undefined;
      try {
        this.#thread?.settle(fd);
      } catch (e) {
        throw new Error(`writing ${this.path}: ${(e as Error).message}`, { cause: e });
      } finally {
        closeSync(fd);
      }
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

/**
 * A file a run writes: kept in memory while it is small, then, once it
 * outgrows `spillBytes`, streamed on into a staged file. Most runs of a big
 * sweep are short, and for them a staging folder was a third of a run's
 * cost: a folder made, files written, copied to their keys and removed.
 */
export class SpooledFile {
  readonly #open: (() => StagedFile) | undefined;
  readonly #spillBytes: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #staged: StagedFile | undefined;

  /** Without `open`, the file stays in memory whatever its size. */
  constructor(open?: () => StagedFile, spillBytes = Infinity) {
    this.#open = open;
    this.#spillBytes = spillBytes;
  }

  /** Takes a copy of `part` (or writes it out): the caller may reuse it. */
  append(part: Uint8Array): void {
    if (this.#staged) return this.#staged.append(part);
    this.#chunks.push(Buffer.from(part));
    this.#size += part.length;
    if (this.#open && this.#size > this.#spillBytes) {
      const staged = this.#open();
      for (const chunk of this.#chunks) staged.append(chunk);
      this.#chunks = [];
      this.#staged = staged;
    }
  }

  finish(): Buffer | StagedFile {
    return this.#staged ? this.#staged.finish() : Buffer.concat(this.#chunks, this.#size);
  }
}

/** Bytes a run's file holds in memory before it goes to the staging folder. */
export const SPILL_BYTES = 8 << 20;

/**
 * A run's staging folder, made when a file first spills into it and removed
 * with everything in it once the run is promoted or failed.
 */
export class StagingArea {
  readonly #parent: string;
  readonly #spillBytes: number;
  #dir: string | undefined;

  /** `spillBytes`: what each file keeps in memory before it is staged (0: every file is staged). */
  constructor(parent = tmpdir(), spillBytes = SPILL_BYTES) {
    this.#parent = parent;
    this.#spillBytes = spillBytes;
  }

  /** A file kept in memory until it outgrows the spill size, then staged here. */
  spool(name: string): SpooledFile {
    return new SpooledFile(() => this.file(name), this.#spillBytes);
  }

  file(name: string): StagedFile {
    this.#dir ??= mkdtempSync(join(this.#parent, 'swarmlab-stage-'));
    return new StagedFile(join(this.#dir, name));
  }

  remove(): void {
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}
