import { describe, expect, it } from 'vitest';
import { Graph } from 'swarmlab/sdk';
import { testModule } from 'swarmlab/sdk/testing';
import { sirEpidemic } from './sir.ts';
import { sirVaccination } from './vaccination.ts';

// A path a - b - c: a small network whose every transmission the test can follow.
const path = new Graph(['a', 'b', 'c'], [{ from: 'a', to: 'b', weight: 1 }, { from: 'b', to: 'c', weight: 1 }], false);

describe('sir-epidemic', () => {
  it('infects the initial agents at time 0 and schedules their recovery and the contacts that beat it', () => {
    const sir = testModule(sirEpidemic, { config: { network: 'net', transmissionRate: 5, initialInfected: 1 }, networks: { net: path }, instance: 'epi', seed: 3 }).start();
    expect(sir.metrics()).toEqual({ susceptible: 2, infected: 1, recovered: 0 });
    const sent = sir.takeEmitted().map((e) => e.intent);
    const recovery = sent.find((i) => i.type === 'recover')!;
    // Every transmission leaves before the infectious period ends, along an edge of the network.
    for (const i of sent.filter((x) => x.type === 'infect')) {
      expect(i.delay!).toBeLessThan(recovery.delay!);
      expect(path.edge(i.from!, i.target.slice('epi/'.length))).toBeDefined();
    }
  });

  it('counts an infection once, ignores transmissions to the recovered, and reports the final size', () => {
    const sir = testModule(sirEpidemic, { config: { network: 'net', transmissionRate: 1, initialInfected: 1 }, networks: { net: path } });
    sir.deliver('infect', { from: 'x' }, { entity: 'b', at: 1 });
    sir.deliver('infect', { from: 'x' }, { entity: 'b', at: 2 });
    expect(sir.metrics()).toEqual({ susceptible: 2, infected: 1, recovered: 0 });
    sir.deliver('recover', {}, { entity: 'b', at: 3 });
    sir.deliver('infect', { from: 'a' }, { entity: 'b', at: 4 });
    expect(sir.metrics()).toEqual({ susceptible: 2, infected: 0, recovered: 1 });
    expect(sir.summary()).toMatchObject({ agents: 3, finalSize: 1, attackRate: 1 / 3, peakInfected: 1, peakTime: 1, duration: 3 });
  });

  it('refuses a payload that breaks the event contract', () => {
    const sir = testModule(sirEpidemic, { config: { network: 'net', transmissionRate: 1 }, networks: { net: path } });
    expect(() => sir.deliver('infect', { from: 7 }, { entity: 'b' })).toThrow(/bad payload at payload\.from/);
  });
});

describe('sir-vaccination', () => {
  it('vaccinates the highest-degree agents and refuses transmissions to them only', () => {
    const policy = testModule(sirVaccination, { config: { epidemic: 'epi', network: 'net', doses: 1, strategy: 'degree' }, networks: { net: path } });
    const verdict = policy.review({ type: 'infect', target: 'epi/b', payload: { from: 'a' } });
    expect(verdict).toEqual({ allow: false, reason: 'the target is vaccinated', code: 'VACCINATED' });
    expect(policy.review({ type: 'infect', target: 'epi/c', payload: { from: 'b' } }).allow).toBe(true);
    expect(policy.review({ type: 'recover', target: 'epi/b' }).allow).toBe(true);
    expect(policy.metrics()).toEqual({ vaccinated: 1, blocked: 1 });
  });
});
