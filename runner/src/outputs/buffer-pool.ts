/**
 * Buffers kept to be written into again, on either side of the trace
 * compression thread (trace-thread.ts): taking the smallest that
 * fits keeps each of a run's two files to its own buffer, whose groups
 * differ in size.
 */
export class BufferPool {
  readonly #free: ArrayBuffer[] = [];
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** The smallest kept buffer of at least `size` bytes, or a new one of `size` and `slack` more. */
  take(size: number, slack = 0): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const length = (this.#free[i] as ArrayBuffer).byteLength;
      if (length >= size && (best < 0 || length < (this.#free[best] as ArrayBuffer).byteLength)) best = i;
    }
    return best >= 0 ? (this.#free.splice(best, 1)[0] as ArrayBuffer) : new ArrayBuffer(size + slack);
  }

  /** Keeps `buffer` for a later take(), unless the pool is full. */
  give(buffer: ArrayBuffer): void {
    if (this.#free.length < this.#max) this.#free.push(buffer);
  }
}
