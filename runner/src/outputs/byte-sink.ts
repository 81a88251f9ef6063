const MINUS = 0x2d;
const ZERO = 0x30;

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

  /** Writes a 32-bit unsigned integer, little-endian. */
  writeUint32LE(n: number): void {
    this.reserve(4);
    this.len = this.buf.writeUInt32LE(n, this.len);
  }

  /** Overwrites the 32-bit little-endian integer at byte `at` (written before). */
  setUint32LE(at: number, n: number): void {
    if (at + 4 > this.len) throw new RangeError(`ByteSink: bytes ${at}-${at + 3} not written yet`);
    this.buf.writeUInt32LE(n, at);
  }

  /** Writes `String(n)`; safe integers (counters, the common metric) digit by digit, without making a string. */
  writeNumber(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.write(String(n));
      return;
    }
    // A sign and 16 digits at most. -0 is written as String(-0) is: 0.
    this.reserve(17);
    let v = n;
    if (v < 0) {
      this.buf[this.len++] = MINUS;
      v = -v;
    }
    const first = this.len;
    do {
      this.buf[this.len++] = ZERO + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    for (let a = first, z = this.len - 1; a < z; a++, z--) {
      const t = this.buf[a] as number;
      this.buf[a] = this.buf[z] as number;
      this.buf[z] = t;
    }
  }

  /** Appends bytes [start, end) of another sink. */
  append(from: ByteSink, start: number, end: number): void {
    this.reserve(end - start);
    this.len += from.buf.copy(this.buf, this.len, start, end);
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
