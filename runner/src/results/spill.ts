import { createReadStream, closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BUFFER_BYTES = 1 << 20;

/**
 * Rows kept on local disk, one JSON line each, between the pass that reads
 * every run (and learns the columns) and the pass that writes the tables:
 * each run is read from the store once, and memory holds neither.
 */
export class RowSpill {
  readonly #dir = mkdtempSync(join(tmpdir(), 'swarmlab-results-'));
  readonly #path = join(this.#dir, 'rows.jsonl');
  readonly #fd = openSync(this.#path, 'w');
  #pending: string[] = [];
  #pendingBytes = 0;
  #closed = false;

  push(row: unknown): void {
    const line = `${JSON.stringify(row)}\n`;
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= BUFFER_BYTES) this.#write();
  }

  /** The rows in the order they were pushed. */
  async *rows(): AsyncGenerator<unknown> {
    this.#close();
    const lines = createInterface({ input: createReadStream(this.#path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) yield JSON.parse(line) as unknown;
  }

  /** Deletes the rows from disk. */
  dispose(): void {
    this.#close();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #write(): void {
    writeSync(this.#fd, this.#pending.join(''));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #close(): void {
    if (this.#closed) return;
    this.#write();
    closeSync(this.#fd);
    this.#closed = true;
  }
}
