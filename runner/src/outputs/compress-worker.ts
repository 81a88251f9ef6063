import { workerData, type MessagePort } from 'node:worker_threads';
import type { CompressReply, CompressRequest } from './background-compressor.ts';
import { zstd } from './zstd.ts';

// The thread behind background-compressor.ts: compresses each request's
// pages in order and answers on the port, then wakes the writer, which may
// be blocked waiting for the answer.

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

port.on('message', (request: CompressRequest) => {
  let reply: CompressReply;
  const transfer: ArrayBuffer[] = [request.input];
  try {
    const outs: Uint8Array[] = [];
    let at = 0;
    for (const length of request.lengths) {
      outs.push(zstd(new Uint8Array(request.input, at, length)));
      at += length;
    }
    const output = new Uint8Array(outs.reduce((n, o) => n + o.length, 0));
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
});
