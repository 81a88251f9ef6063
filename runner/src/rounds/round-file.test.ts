import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../store/file-store.ts';
import { ResultsLayout } from '../store/layout.ts';
import { formatRoundFile, readRoundFile, roundFileOf, roundRunAt, storeRoundFile } from './round-file.ts';

describe('a round\'s run list', () => {
  const round = { round: 3, indices: [4, 5, 6, 40, 41, 99] };

  it('holds the round\'s indices as ranges, and gives each position its run', () => {
    const f = roundFileOf(round);
    expect(f).toEqual({ round: 3, runs: 6, ranges: [[4, 6], [40, 41], [99, 99]] });
    expect(round.indices.map((_, k) => roundRunAt(f, k))).toEqual(round.indices);
    expect(roundRunAt(f, 6)).toBeUndefined();
  });

  it('is written once: the same round again is a no-op, another list at its key is refused, and it reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-round-'));
    try {
      const store = new FileStore(dir);
      const layout = new ResultsLayout('exp/0123456789abcdef');
      await storeRoundFile(store, layout, round);
      await storeRoundFile(store, layout, round);
      expect(await readRoundFile(store, layout, 3)).toEqual(roundFileOf(round));
      await expect(storeRoundFile(store, layout, { round: 3, indices: [1] })).rejects.toThrow();
      await expect(readRoundFile(store, layout, 4)).rejects.toThrow(/round 4 has no run list/);
      await store.put(layout.round(5), formatRoundFile(roundFileOf(round)));
      await expect(readRoundFile(store, layout, 5)).rejects.toThrow(/not round 5's run list: it is round 3's/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
