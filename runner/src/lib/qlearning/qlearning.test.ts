import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng/index.ts';
import { QLearner, QLearningConfig, ReplayBuffer, swarmDivergence, tableDistance } from './qlearning.ts';

const cfg = (over: Partial<QLearningConfig> = {}): QLearningConfig => ({ ...QLearningConfig.parse({}), ...over });

describe('QLearner', () => {
  it('moves Q toward reward + discounted best next value by the learning rate', () => {
    const q = new QLearner(2, cfg({ learningRate: 0.5, discount: 0.5 }), new Rng('a'));
    q.update({ state: 'b', action: 1, reward: 2, next: undefined });
    expect(q.values('b')).toEqual([0, 1]);
    q.update({ state: 'a', action: 0, reward: 1, next: 'b' });
    expect(q.values('a')[0]).toBeCloseTo(0.5 * (1 + 0.5 * 1));
  });

  it('learns the better arm of a two-armed bandit with epsilon-greedy choice', () => {
    const rng = new Rng('bandit');
    const q = new QLearner(2, cfg({ epsilon: 0.2 }), new Rng('agent'));
    for (let i = 0; i < 500; i++) {
      const { action } = q.choose('s');
      q.update({ state: 's', action, reward: action === 1 ? rng.normal(1, 0.3) : rng.normal(0.2, 0.3), next: undefined });
    }
    expect(q.greedy('s')).toBe(1);
  });

  it('freeze mode never explores and never updates', () => {
    const prior = () => [0, 0.5, 0.2];
    const q = new QLearner(3, cfg({ epsilon: 1, freeze: true }), new Rng('f'), prior);
    for (let i = 0; i < 50; i++) expect(q.choose('s')).toEqual({ action: 1, explored: false });
    q.update({ state: 's', action: 0, reward: 100, next: undefined });
    q.merge({ s: [9, 9, 9] }, 1);
    expect(q.values('s')).toEqual([0, 0.5, 0.2]);
    expect(q.updates).toBe(0);
  });

  it('replays past transitions after each real update', () => {
    const plain = new QLearner(2, cfg(), new Rng('r'));
    const replay = new QLearner(2, cfg({ replayCapacity: 10, replayBatch: 3 }), new Rng('r'));
    plain.update({ state: 's', action: 0, reward: 1, next: undefined });
    replay.update({ state: 's', action: 0, reward: 1, next: undefined });
    expect(plain.updates).toBe(1);
    expect(replay.updates).toBe(4);
    expect(replay.values('s')[0]!).toBeGreaterThan(plain.values('s')[0]!);
  });

  it('confidence is the softmax probability of the action', () => {
    const q = new QLearner(2, cfg(), new Rng('c'), () => [1, 0]);
    expect(q.confidence('s', 0, 1)).toBeCloseTo(Math.E / (Math.E + 1));
    expect(q.confidence('s', 0, 1) + q.confidence('s', 1, 1)).toBeCloseTo(1);
  });

  it('merging toward a peer reduces the distance between the tables; reset forgets', () => {
    const a = new QLearner(2, cfg({ learningRate: 1 }), new Rng('a'));
    const b = new QLearner(2, cfg({ learningRate: 1 }), new Rng('b'));
    a.update({ state: 's', action: 0, reward: 1, next: undefined });
    b.update({ state: 's', action: 1, reward: 1, next: undefined });
    b.update({ state: 't', action: 1, reward: 1, next: undefined });
    const before = swarmDivergence([a.snapshot(), b.snapshot()], 2);
    a.merge(b.snapshot(), 0.5);
    expect(tableDistance(a.snapshot(), b.snapshot(), 2)).toBeLessThan(before);
    a.reset();
    expect(a.snapshot()).toEqual({});
  });
});

describe('ReplayBuffer', () => {
  it('keeps only the newest `capacity` transitions', () => {
    const buf = new ReplayBuffer(3);
    for (let i = 0; i < 5; i++) buf.push({ state: String(i), action: 0, reward: i, next: undefined });
    expect(buf.size).toBe(3);
    const seen = new Set(buf.sample(new Rng('s'), 200).map((t) => t.reward));
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });
});
