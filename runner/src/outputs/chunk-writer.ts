import { ByteWriter } from 'hyparquet-writer';

/**
 * hyparquet-writer's in-memory writer, handing each row group's bytes to
 * `out` and reusing its buffer, instead of growing one buffer by copies.
 * `out` must take the bytes before the next write (copy or write them out).
 */
export class ChunkWriter extends ByteWriter {
  readonly #out: (part: Uint8Array) => void;

  constructor(out: (part: Uint8Array) => void) {
    super();
    this.#out = out;
  }

  flush(): void {
    if (this.index > 0) this.#out(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

/** A ChunkWriter that keeps copies of its chunks in memory. */
export class MemoryChunkWriter extends ChunkWriter {
  readonly #chunks: Buffer[];

  constructor() {
    const chunks: Buffer[] = [];
    super((part) => chunks.push(Buffer.from(part)));
    this.#chunks = chunks;
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}
