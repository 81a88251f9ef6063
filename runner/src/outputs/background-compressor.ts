import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { BufferPool } from './buffer-pool.ts';

// A long trace's pages are compressed on a second thread while the run goes
// on filling the next row group: zstd was a fifth of a complete-trace run's
// time on its one thread (docs/benchmarks.md, issue 15). The writer hands a
// row group's pages over as one copied buffer and takes the compressed pages
// back, blocking if they are not ready, when it next writes; the bytes are
// those zstd.ts makes on the writer's own thread, so a trace is the same
// whichever thread compressed it.

export interface CompressRequest {
  readonly id: number;
  /** The pages, one after another. */
  readonly input: ArrayBuffer;
  readonly lengths: readonly number[];
  /** Output buffers of earlier answers, done with, for the thread to write into again. */
  readonly recycled: readonly ArrayBuffer[];
}

/**
 * The compressed pages, one after another from the start of `output` (which
 * may be longer); the input comes back to be used again. Buffers go back and
 * forth rather than being made anew: a run's writer holds a row group's
 * buffers across many young-generation collections, so V8 moved each new one
 * to the old generation, where they piled up until a full collection (90 MB
 * in a 10-million-event run).
 */
export type CompressReply =
  | { readonly id: number; readonly input: ArrayBuffer; readonly output: ArrayBuffer; readonly lengths: readonly number[] }
  | { readonly id: number; readonly input: ArrayBuffer; readonly error: string };

/** How long take() waits for an answer before it gives up on the thread. */
const ANSWER_TIMEOUT_MS = 120_000;
/** Buffers kept for reuse on each side: a writer has a group of each of its two files in flight at most. */
export const KEPT_BUFFERS = 2;

export class BackgroundCompressor {
  static #shared: BackgroundCompressor | null | undefined;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  readonly #replies = new Map<number, CompressReply>();
  /** Input buffers returned by the thread, for the next requests. */
  readonly #inputs = new BufferPool(KEPT_BUFFERS);
  /** Output buffers taken, to return to the thread with the next request. */
  #recycled: ArrayBuffer[] = [];
  /** Tickets sent and not yet taken. */
  readonly #outstanding = new Set<number>();
  #next = 0;

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./compress-worker.ts', import.meta.url), { workerData: { port: port2, signal: this.#signal }, transferList: [port2] });
    // The thread and its port never keep the process alive: a run waits for its answers itself.
    worker.unref();
    port1.unref();
  }

  /** This thread's compressor, started at its first use; undefined where no thread can be started (the caller compresses itself). */
  static shared(): BackgroundCompressor | undefined {
    if (this.#shared === undefined) {
      try {
        this.#shared = new BackgroundCompressor();
      } catch {
        this.#shared = null;
      }
    }
    return this.#shared ?? undefined;
  }

  /** Sends `pages` (copied: the caller may write over them at once) to be compressed; returns the ticket that take() answers. */
  submit(pages: readonly Uint8Array[]): number {
    const input = this.#inputs.take(pages.reduce((n, p) => n + p.length, 0));
    const bytes = new Uint8Array(input);
    let at = 0;
    for (const p of pages) {
      bytes.set(p, at);
      at += p.length;
    }
    const id = this.#next++;
    this.#outstanding.add(id);
    const recycled = this.#recycled;
    this.#recycled = [];
    this.#port.postMessage({ id, input, lengths: pages.map((p) => p.length), recycled } satisfies CompressRequest, [input, ...recycled]);
    return id;
  }

  /**
   * Hands the compressed pages of a ticket, in the order they were sent, to
   * `use`, which must copy what it keeps: their memory is used again once it
   * returns. Blocks until the thread has them.
   */
  take<T>(id: number, use: (pages: Uint8Array[]) => T): T {
    if (!this.#outstanding.delete(id)) throw new Error(`trace compression: ticket ${id} was never sent or is already taken`);
    const reply = this.#await(id);
    this.#inputs.give(reply.input);
    if ('error' in reply) throw new Error(`compressing a trace row group: ${reply.error}`);
    const pages: Uint8Array[] = [];
    let at = 0;
    for (const length of reply.lengths) {
      pages.push(new Uint8Array(reply.output, at, length));
      at += length;
    }
    try {
      return use(pages);
    } finally {
      this.#recycled.push(reply.output);
    }
  }

  #await(id: number): CompressReply {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const kept = this.#replies.get(id);
      if (kept) {
        this.#replies.delete(id);
        return kept;
      }
      // The count is read before the port: an answer posted after the read changes it, and the wait returns at once.
      const seen = Atomics.load(this.#signal, 0);
      const received = receiveMessageOnPort(this.#port) as { message: CompressReply } | undefined;
      if (received) {
        this.#replies.set(received.message.id, received.message);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the trace compression thread has not answered in ${ANSWER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.#signal, 0, seen, 1000);
    }
  }
}
