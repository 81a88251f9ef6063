import { describe, expect, it } from 'vitest';
import { synchronousRound } from './rounds.ts';

describe('synchronousRound', () => {
  it('has every agent decide on the same snapshot before any decision applies', () => {
    const state = { votes: [1, 0, 0, 0] };
    // Each agent copies its left neighbour: with a shared snapshot the 1 moves one step, not all the way.
    synchronousRound(
      { votes: [...state.votes] },
      [0, 1, 2, 3],
      (i, snap) => (i === 0 ? snap.votes[0]! : snap.votes[i - 1]!),
      (d) => {
        state.votes = [...d];
      },
    );
    expect(state.votes).toEqual([1, 1, 0, 0]);
  });

  it('freezes the snapshot so a decision cannot mutate it', () => {
    expect(() =>
      synchronousRound({ xs: [1] }, [0], (_a, snap) => {
        (snap.xs as number[]).push(2);
      }, () => undefined),
    ).toThrow();
  });
});
