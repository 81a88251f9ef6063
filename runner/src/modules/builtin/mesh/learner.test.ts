import { describe, expect, it } from 'vitest';
import { testModule } from 'swarmlab/sdk/testing';
import { RngFactory } from '../../../rng/index.ts';
import { RoutingLearner } from './learner.ts';
import { meshCoordinator } from './coordinator.ts';

const settings = { learningRate: 0.5, discount: 0, replayCapacity: 0, replayBatch: 0, freeze: false, initialValue: 0.5 };
const rng = () => new RngFactory(3).stream('router', 'agent-0');

describe('routing learner (Q-values per provider observation)', () => {
  it('values provider a by the row of a\'s own observation, so one table serves every combination of observations', () => {
    const l = new RoutingLearner(2, settings, rng(), 0);
    l.update({ keys: ['f3l0p0', 'f3l0p0'], action: 0, reward: -1, next: undefined });
    l.update({ keys: ['f3l0p0', 'f1l1p1'], action: 1, reward: 1, next: undefined });
    expect(l.snapshot()).toEqual({ f3l0p0: [-0.25, 0.5], f1l1p1: [0.5, 0.75] });
    // p1 seen as f1l1p1 is worth 0.75; p0 seen as f3l0p0 is worth -0.25.
    expect(l.greedy(['f3l0p0', 'f1l1p1'])).toBe(1);
    // p1 seen as f3l0p0 was never tried (0.5), p0 there -0.25.
    expect(l.greedy(['f3l0p0', 'f3l0p0'])).toBe(1);
    expect(l.stateCount).toBe(2);
  });

  it('bootstraps on the best value of the next state when discount > 0', () => {
    const l = new RoutingLearner(2, { ...settings, discount: 0.5 }, rng(), 0);
    l.update({ keys: ['a', 'a'], action: 0, reward: 0, next: ['b', 'b'] });
    // target 0 + 0.5 * max(0.5, 0.5): 0.5 + 0.5 * (0.25 - 0.5)
    expect(l.snapshot().a![0]).toBeCloseTo(0.375);
  });

  it('decays epsilon once per episode down to its floor; a frozen learner neither explores nor learns', () => {
    const l = new RoutingLearner(3, settings, rng(), 0.3);
    for (let i = 0; i < 100; i++) l.choose(['x', 'x', 'x']);
    expect(l.epsilon).toBe(0.3);
    l.endEpisode(0.5, 0.1);
    expect(l.epsilon).toBe(0.15);
    l.endEpisode(0.5, 0.1);
    expect(l.epsilon).toBe(0.1);
    const frozen = new RoutingLearner(3, { ...settings, freeze: true }, rng(), 0.3);
    expect(frozen.epsilon).toBe(0);
    frozen.update({ keys: ['x', 'x', 'x'], action: 1, reward: 1, next: undefined });
    expect(frozen.snapshot()).toEqual({});
  });

  it('loads a stored table, merges a peer\'s, and forgets on reset', () => {
    const l = new RoutingLearner(2, settings, rng(), 0.3);
    l.load({ a: [0.1, 0.9] }, 0.05);
    expect(l.epsilon).toBe(0.05);
    expect(l.greedy(['a', 'a'])).toBe(1);
    l.merge({ a: [0.9, 0.1], b: [1, 1] }, 0.5);
    expect(l.snapshot()).toEqual({ a: [0.5, 0.5], b: [1, 1] });
    l.reset(0.3);
    expect(l.snapshot()).toEqual({});
    expect(l.epsilon).toBe(0.3);
  });
});

describe('coordinator interventions use psi and coherence', () => {
  const report = (interval: number, swarmReward: number, psi: number, coherence: number) => ({ interval, swarmReward, responses: 100, agents: [swarmReward - 0.1, swarmReward, swarmReward + 0.1, swarmReward], divergence: 0, psi, coherence });

  function surprised(psi: number, coherence: number) {
    const h = testModule(meshCoordinator, { config: { router: 'router', warmup: 1, exploreEpsilon: 0.6, psiThreshold: 0.5 } });
    for (let i = 0; i < 3; i++) h.deliver('report', report(i, 0.6, 1, 1), { at: 10 * (i + 1) });
    h.takeEmitted();
    h.deliver('report', report(3, -0.2, psi, coherence), { at: 40 });
    return h;
  }

  it('with psi below its threshold (a few agents fell behind), resets the worst agents', () => {
    const h = surprised(0.2, 0.9);
    const sent = h.takeEmitted().map((e) => e.intent);
    expect(sent.map((i) => [i.type, i.target, i.payload?.kind])).toEqual([['intervene', 'router/0', 'reset']]);
    expect(h.summary()?.interventions).toMatchObject([{ kind: 'reset', psi: 0.2, coherence: 0.9 }]);
  });

  it('with psi high (the swarm surprised as one), explores, harder the more coherent the swarm', () => {
    const eps = (coherence: number) => surprised(0.9, coherence).takeEmitted().map((e) => e.intent.payload)[0];
    expect(eps(1)).toMatchObject({ kind: 'explore', epsilon: 0.6 });
    expect(eps(0.25)).toMatchObject({ kind: 'explore', epsilon: 0.15 });
  });
});
