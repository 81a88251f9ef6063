import { workerData, type MessagePort } from 'node:worker_threads';
import { collectGarbage } from '../engine/heap-growth.ts';
import { BufferPool } from './buffer-pool.ts';
import { KEPT_BUFFERS, writeAt, type ThreadReply, type ThreadRequest } from './trace-thread.ts';
import { zstd } from './zstd.ts';

// The thread behind trace-thread.ts: does each request in order and answers
// on the port, then wakes the writer, which may be blocked waiting for the
// answer.

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

// zstd's output buffers live outside V8's heap, which this thread's work
// barely touches, so V8 let about 64 MB of them pile up before it collected
// any (its limit for memory outside the heap): a run's resident set grew by
// that much. This thread collects once it has compressed COLLECT_EVERY bytes
// since it last did: after every request, collecting took twice as long as
// compressing.
const COLLECT_EVERY = 8 << 20;
let sinceCollected = 0;
/** Output buffers the writer is done with. */
const outputs = new BufferPool(KEPT_BUFFERS);
/** Per open file, the first write that failed since it was last settled. */
const writeErrors = new Map<number, string>();

function answer(reply: ThreadReply, transfer: ArrayBuffer[]): void {
  port.postMessage(reply, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function compress(request: Extract<ThreadRequest, { kind: 'compress' }>): void {
  for (const b of request.recycled) outputs.give(b);
  try {
    const outs: Uint8Array[] = [];
    let at = 0;
    for (const length of request.lengths) {
      outs.push(zstd(new Uint8Array(request.input, at, length)));
      at += length;
    }
    const size = outs.reduce((n, o) => n + o.length, 0);
    // An eighth over the size: the next group, a little larger, then fits the same buffer.
    const output = new Uint8Array(outputs.take(size, size >> 3));
    at = 0;
    for (const o of outs) {
      output.set(o, at);
      at += o.length;
    }
    answer({ kind: 'compressed', id: request.id, input: request.input, output: output.buffer, lengths: outs.map((o) => o.length) }, [request.input, output.buffer]);
  } catch (e) {
    answer({ kind: 'failed', id: request.id, input: request.input, error: (e as Error).message }, [request.input]);
  }
  sinceCollected += request.lengths.reduce((n, l) => n + l, 0);
  if (sinceCollected >= COLLECT_EVERY) {
    sinceCollected = 0;
    collectGarbage?.();
  }
}

function write(request: Extract<ThreadRequest, { kind: 'write' }>): void {
  if (!writeErrors.has(request.fd)) {
    try {
      writeAt(request.fd, new Uint8Array(request.bytes, 0, request.length), request.position);
    } catch (e) {
      writeErrors.set(request.fd, (e as Error).message);
    }
  }
  // No wake-up: the writer takes its buffers back while it waits for another answer.
  port.postMessage({ kind: 'written', bytes: request.bytes } satisfies ThreadReply, [request.bytes]);
}

port.on('message', (request: ThreadRequest) => {
  if (request.kind === 'compress') compress(request);
  else if (request.kind === 'write') write(request);
  else {
    const error = writeErrors.get(request.fd);
    writeErrors.delete(request.fd);
    answer(error === undefined ? { kind: 'settled', id: request.id } : { kind: 'settled', id: request.id, error }, []);
  }
});
