import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TraceThread } from './trace-thread.ts';
import { zstd } from './zstd.ts';

function page(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  // Runs of repeated bytes and noise, so that pages compress to different sizes.
  for (let i = 0; i < length; i++) {
    if (i % 97 === 0) x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> (i % 24)) & 0xff;
  }
  return out;
}

describe('TraceThread', () => {
  it('compresses pages on its thread to the bytes zstd.ts makes on this one, request by request, whatever order they are taken in', () => {
    const compressor = TraceThread.shared();
    expect(compressor).toBeDefined();
    if (!compressor) return;
    const requests = [0, 1, 2].map((r) => [page(r, 300_000), page(r + 10, 7), new Uint8Array(0), page(r + 20, 65_536)]);
    // Twice: the second round's answers are written into the buffers the first round's were, given back.
    for (let round = 0; round < 2; round++) {
      const reused = new Uint8Array(300_000);
      reused.set(requests[0]?.[0] as Uint8Array);
      const tickets = requests.map((pages, r) => compressor.submit(r === 0 ? [reused, ...pages.slice(1)] : pages));
      // The caller may write over what it sent as soon as submit returns.
      reused.fill(0);
      for (const r of [2, 0, 1]) {
        const got = compressor.take(tickets[r] as number, (pages) => pages.map((g) => Buffer.from(g)));
        const want = (requests[r] as Uint8Array[]).map(zstd);
        expect(got.map((g) => g.toString('hex'))).toEqual(want.map((w) => Buffer.from(w).toString('hex')));
        expect(Buffer.from(zstdDecompressSync(got[0] as Uint8Array)).equals(Buffer.from(requests[r]?.[0] as Uint8Array))).toBe(true);
      }
    }
  });

  it('is one per thread, and a ticket is answered once', () => {
    const compressor = TraceThread.shared();
    expect(TraceThread.shared()).toBe(compressor);
    const ticket = compressor?.submit([page(5, 1000)]) as number;
    expect(compressor?.take(ticket, (pages) => pages.length)).toBe(1);
    expect(() => compressor?.take(ticket, () => 0)).toThrow(/never sent or is already taken/);
    expect(() => compressor?.take(ticket + 1_000, () => 0)).toThrow(/never sent or is already taken/);
  });

  it('writes parts at their offsets on its thread, in any order, and settle() answers once they are on disk, or with the first write that failed', () => {
    const thread = TraceThread.shared();
    if (!thread) throw new Error('no trace thread');
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-trace-thread-'));
    try {
      const parts = [page(1, 200_000), page(2, 5), page(3, 70_000)];
      const offsets = [0, 200_000, 200_005];
      const path = join(dir, 'file');
      const fd = openSync(path, 'wx');
      // The last part first: each lands at its own offset.
      for (const i of [2, 0, 1]) {
        const part = Uint8Array.from(parts[i] as Uint8Array);
        thread.write(fd, offsets[i] as number, part);
        part.fill(0);
      }
      thread.settle(fd);
      closeSync(fd);
      expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);

      const readOnly = openSync(path, 'r');
      thread.write(readOnly, 0, page(4, 10));
      expect(() => thread.settle(readOnly)).toThrow(/EBADF|bad file descriptor/i);
      // A failure is reported once.
      thread.settle(readOnly);
      closeSync(readOnly);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
