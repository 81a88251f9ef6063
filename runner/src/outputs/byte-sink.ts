/**
 * A growable UTF-8 byte buffer that a run's big files are written into line
 * by line. Joining a whole events.jsonl into one string and encoding that
 * into a Buffer made three fresh multi-megabyte allocations per run; the
 * kernel had to fault in every page of each (a tenth of a run's time). A
 * sink from SinkPool keeps its memory from run to run.
 */
export class ByteSink {
  private buf: Buffer;
  private len = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.len;
  }

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.reserve(text.length * 3);
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  writeByte(byte: number): void {
    this.reserve(1);
    this.buf[this.len++] = byte;
  }

  /** The bytes written so far: a view, valid until the sink is reset or written again. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  reset(): void {
    this.len = 0;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}

/** Sinks for runs in flight in one thread; a released sink is reused, memory and all. */
export class SinkPool {
  private readonly free: ByteSink[] = [];

  acquire(): ByteSink {
    const sink = this.free.pop() ?? new ByteSink();
    sink.reset();
    return sink;
  }

  release(sink: ByteSink): void {
    this.free.push(sink);
  }
}
