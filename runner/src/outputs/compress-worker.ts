import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { workerData, type MessagePort } from 'node:worker_threads';
import { KEPT_BUFFERS, type CompressReply, type CompressRequest } from './background-compressor.ts';
import { BufferPool } from './buffer-pool.ts';
import { zstd } from './zstd.ts';

// The thread behind background-compressor.ts: compresses each request's
// pages in order and answers on the port, then wakes the writer, which may
// be blocked waiting for the answer.

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

// zstd's output buffers live outside V8's heap, which this thread's work
// barely touches, so V8 let about 64 MB of them pile up before it collected
// any (its limit for memory outside the heap): a run's resident set grew by
// that much. This thread collects once it has compressed COLLECT_EVERY bytes
// since it last did: after every request, collecting took twice as long as
// compressing.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as (() => void) | undefined;
const COLLECT_EVERY = 8 << 20;
let sinceCollected = 0;
/** Output buffers the writer is done with. */
const outputs = new BufferPool(KEPT_BUFFERS);

port.on('message', (request: CompressRequest) => {
  for (const b of request.recycled) outputs.give(b);
  let reply: CompressReply;
  const transfer: ArrayBuffer[] = [request.input];
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
    reply = { id: request.id, input: request.input, output: output.buffer, lengths: outs.map((o) => o.length) };
    transfer.push(output.buffer);
  } catch (e) {
    reply = { id: request.id, input: request.input, error: (e as Error).message };
  }
  port.postMessage(reply, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
  sinceCollected += request.lengths.reduce((n, l) => n + l, 0);
  if (sinceCollected >= COLLECT_EVERY) {
    sinceCollected = 0;
    collect?.();
  }
});
