import { writeSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { BufferPool } from './buffer-pool.ts';

// A long trace's slow steps run on a second thread while the run goes on
// filling the next row group: compressing its pages (zstd was a fifth of a
// complete-trace run's time on its one thread) and writing the staged files
// (another twentieth; docs/benchmarks.md, issue 15). The writer hands a row
// group's pages over as one copied buffer and takes the compressed pages
// back, blocking if they are not ready, when it next writes; the bytes are
// those zstd.ts makes on the writer's own thread, so a trace is the same
// whichever thread compressed it. A staged file's parts are written at
// their offsets; the file is closed only once the thread has written them.

/**
 * What the writer asks of the thread, answered in order. Buffers go back
 * and forth rather than being made anew: a run's writer holds a row group's
 * buffers across many young-generation collections, so V8 moved each new one
 * to the old generation, where they piled up until a full collection (90 MB
 * in a 10-million-event run).
 */
export type ThreadRequest =
  /** Compress each page (`input` holds them one after another); `recycled`: output buffers done with, to write into again. */
  | { readonly kind: 'compress'; readonly id: number; readonly input: ArrayBuffer; readonly lengths: readonly number[]; readonly recycled: readonly ArrayBuffer[] }
  /** Write `length` bytes of `bytes` at `position` of the open file `fd`. */
  | { readonly kind: 'write'; readonly fd: number; readonly position: number; readonly bytes: ArrayBuffer; readonly length: number }
  /** Answer once every write to `fd` asked before is done, with the first that failed. */
  | { readonly kind: 'settle'; readonly id: number; readonly fd: number };

export type ThreadReply =
  /** The compressed pages one after another from the start of `output` (which may be longer); the input comes back. */
  | { readonly kind: 'compressed'; readonly id: number; readonly input: ArrayBuffer; readonly output: ArrayBuffer; readonly lengths: readonly number[] }
  | { readonly kind: 'failed'; readonly id: number; readonly input: ArrayBuffer; readonly error: string }
  /** A write's buffer, back to be used again. */
  | { readonly kind: 'written'; readonly bytes: ArrayBuffer }
  | { readonly kind: 'settled'; readonly id: number; readonly error?: string };

/** How long the writer waits for an answer before it gives up on the thread. */
const ANSWER_TIMEOUT_MS = 120_000;
/** Buffers kept for reuse of each kind on each side: a writer has a group of each of its two files in flight at most. */
export const KEPT_BUFFERS = 2;

/** Writes all of `bytes` at `position` of the open file `fd`, whichever thread writes it. */
export function writeAt(fd: number, bytes: Uint8Array, position: number): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, position + at);
}

export class TraceThread {
  static #shared: TraceThread | null | undefined;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  readonly #replies = new Map<number, ThreadReply>();
  /** Input buffers returned by the thread, for the next requests. */
  readonly #inputs = new BufferPool(KEPT_BUFFERS);
  readonly #writes = new BufferPool(KEPT_BUFFERS);
  /** Output buffers taken, to return to the thread with the next request. */
  #recycled: ArrayBuffer[] = [];
  /** Tickets sent and not yet taken. */
  readonly #outstanding = new Set<number>();
  #next = 0;

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./trace-thread-worker.ts', import.meta.url), { workerData: { port: port2, signal: this.#signal }, transferList: [port2] });
    // The thread and its port never keep the process alive: a run waits for its answers itself.
    worker.unref();
    port1.unref();
  }

  /** This thread's trace thread, started at its first use; undefined where no thread can be started (the caller does the work itself). */
  static shared(): TraceThread | undefined {
    if (this.#shared === undefined) {
      try {
        this.#shared = new TraceThread();
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
    const id = this.#ticket();
    const recycled = this.#recycled;
    this.#recycled = [];
    this.#post({ kind: 'compress', id, input, lengths: pages.map((p) => p.length), recycled }, [input, ...recycled]);
    return id;
  }

  /**
   * Hands the compressed pages of a ticket, in the order they were sent, to
   * `use`, which must copy what it keeps: their memory is used again once it
   * returns. Blocks until the thread has them.
   */
  take<T>(id: number, use: (pages: Uint8Array[]) => T): T {
    const reply = this.#await(id);
    if (reply.kind === 'compressed' || reply.kind === 'failed') this.#inputs.give(reply.input);
    if (reply.kind !== 'compressed') throw new Error(`compressing a trace row group: ${reply.kind === 'failed' ? reply.error : `answered ${reply.kind}`}`);
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

  /** Writes `part` (copied) at `position` of the open file `fd`, on the thread; settle(fd) waits for it. */
  write(fd: number, position: number, part: Uint8Array): void {
    const bytes = this.#writes.take(part.length);
    new Uint8Array(bytes).set(part);
    this.#post({ kind: 'write', fd, position, bytes, length: part.length }, [bytes]);
  }

  /** Blocks until every write to `fd` sent before is done; throws the first one's error if one failed. */
  settle(fd: number): void {
    const id = this.#ticket();
    this.#post({ kind: 'settle', id, fd }, []);
    const reply = this.#await(id);
    if (reply.kind !== 'settled') throw new Error(`writing a trace file: answered ${reply.kind}`);
    if (reply.error !== undefined) throw new Error(reply.error);
  }

  #ticket(): number {
    const id = this.#next++;
    this.#outstanding.add(id);
    return id;
  }

  #post(request: ThreadRequest, transfer: ArrayBuffer[]): void {
    this.#port.postMessage(request, transfer);
  }

  #await(id: number): ThreadReply {
    if (!this.#outstanding.delete(id)) throw new Error(`trace thread: ticket ${id} was never sent or is already taken`);
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const kept = this.#replies.get(id);
      if (kept) {
        this.#replies.delete(id);
        return kept;
      }
      // The count is read before the port: an answer posted after the read changes it, and the wait returns at once.
      const seen = Atomics.load(this.#signal, 0);
      const received = receiveMessageOnPort(this.#port) as { message: ThreadReply } | undefined;
      if (received) {
        const reply = received.message;
        if (reply.kind === 'written') this.#writes.give(reply.bytes);
        else this.#replies.set(reply.id, reply);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the trace thread has not answered in ${ANSWER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.#signal, 0, seen, 1000);
    }
  }
}
