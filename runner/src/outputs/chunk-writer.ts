import { ByteWriter } from 'hyparquet-writer';

/** hyparquet-writer's in-memory writer, handing each row group's bytes over as a chunk instead of growing one buffer by copies. */
export class ChunkWriter extends ByteWriter {
  readonly #chunks: Buffer[] = [];

  flush(): void {
    this.#chunks.push(Buffer.from(this.getBytes()));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}
