import { describe, expect, it } from 'vitest';
import { SwarmlabError } from '../errors.ts';
import { parseExperimentText } from './load.ts';
import { closestKey, unknownKeysMessage } from './strict-object.ts';
import { parseRefusal } from '../testing/parse-refusal.ts';

const BASE = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: strict
  labels: { team: a }
spec:
  scenario:
    modules:
      - kind: agent
        module: mm1-source
        config: { rate: 1 }
    latency:
      - { name: wire, model: fixed, value: 1 }
    horizon: { events: 10 }
  sweep:
    seeds: { base: 1, replicas: 2 }
    grid:
      - { param: mm1-source.rate, values: [1, 2] }
  execution:
    retries: 0
    resources: { requests: { cpu: 100m } }
    tolerations: [{ key: a, operator: Exists }]
  output: { store: 'file://./results' }
`;

const refusal = (text: string): SwarmlabError => parseRefusal(text);

/** BASE with `insert` added as the first key under the line `under` (indented one level deeper). */
function withKey(under: string, insert: string): string {
  const lines = BASE.split('\n');
  const at = lines.findIndex((l) => l === under);
  if (at < 0) throw new Error(`no line ${under}`);
  // A key below `- kind: agent` lines up with kind; below `sweep:` it is indented by two.
  const indent = ' '.repeat(under.length - under.trimStart().length + 2);
  lines.splice(at + 1, 0, `${indent}${insert}`);
  return lines.join('\n');
}

describe('unknown keys in an Experiment', () => {
  it('the base document is accepted, metadata keeps Kubernetes fields', () => {
    expect(parseExperimentText(BASE).metadata.name).toBe('strict');
  });

  const cases: [string, string, string, RegExp][] = [
    ['', 'bogus: 1', 'bogus', /unknown key bogus in the document; valid keys: apiVersion, kind, metadata, spec/],
    ['spec:', 'sweeep: {}', 'spec.sweeep', /unknown key sweeep in spec; valid keys: scenario, sweep, execution, output; did you mean sweep\?/],
    ['  sweep:', 'gird: []', 'spec.sweep.gird', /unknown key gird in spec\.sweep; valid keys: seeds, grid, design, points, replication, breakingPoint, maxRuns; did you mean grid\?/],
    ['  scenario:', 'latncy: []', 'spec.scenario.latncy', /did you mean latency\?/],
    ['      - kind: agent', 'confg: { rate: 2 }', 'spec.scenario.modules[0].confg', /valid keys: kind, module, name, version, config; did you mean config\?/],
    ['      - kind: agent', 'bogus: 1', 'spec.scenario.modules[0].bogus', /unknown key bogus in spec\.scenario\.modules\[0\]/],
    ['  execution:', 'paralelism: 2', 'spec.execution.paralelism', /did you mean parallelism\?/],
    ['  output: { store: \'file://./results\' }', 'stor: x', 'spec.output.stor', /did you mean store\?/],
  ];
  for (const [under, insert, path, message] of cases) {
    it(`${path} is refused with the valid keys`, () => {
      const text = under === '' ? `${BASE}${insert}\n` : under.startsWith('  output') ? BASE.replace(under, `  output: { store: 'file://./results', ${insert} }`) : withKey(under, insert);
      const e = refusal(text);
      expect(e.code).toBe('INVALID_SPEC');
      expect(e.path).toBe(path);
      expect(e.message).toMatch(message);
    });
  }

  it('nested objects are strict too: seeds, grid axes, horizon, latency rules, resources, tolerations', () => {
    const edits: [string, string, string][] = [
      ['seeds: { base: 1, replicas: 2 }', 'seeds: { base: 1, replicas: 2, replica: 3 }', 'spec.sweep.seeds.replica'],
      ['{ param: mm1-source.rate, values: [1, 2] }', '{ param: mm1-source.rate, value: [1, 2], values: [1] }', 'spec.sweep.grid[0].value'],
      ['horizon: { events: 10 }', 'horizon: { events: 10, tme: 5 }', 'spec.scenario.horizon.tme'],
      ['{ name: wire, model: fixed, value: 1 }', '{ name: wire, model: fixed, value: 1, sourc: a }', 'spec.scenario.latency[0].sourc'],
      ['resources: { requests: { cpu: 100m } }', 'resources: { requests: { cpu: 100m, mem: 1Gi } }', 'spec.execution.resources.requests.mem'],
      ['resources: { requests: { cpu: 100m } }', 'resources: { request: { cpu: 100m } }', 'spec.execution.resources.request'],
      ['[{ key: a, operator: Exists }]', '[{ key: a, operator: Exists, efect: NoSchedule }]', 'spec.execution.tolerations[0].efect'],
    ];
    for (const [from, to, path] of edits) {
      const e = refusal(BASE.replace(from, to));
      expect(e.path, path).toBe(path);
      expect(e.code).toBe('INVALID_SPEC');
    }
  });
});

describe('unknown key messages', () => {
  it('name the closest valid key only when it is close', () => {
    expect(closestKey('gird', ['seeds', 'grid', 'points', 'maxRuns'])).toBe('grid');
    expect(closestKey('MaxRuns', ['seeds', 'grid', 'points', 'maxRuns'])).toBe('maxRuns');
    expect(closestKey('bogus', ['seeds', 'grid', 'points', 'maxRuns'])).toBeUndefined();
    expect(closestKey('x', ['p', 'm'])).toBeUndefined();
  });

  it('give a renamed key its new name', () => {
    expect(unknownKeysMessage(['n'], ['size', 'p'], { n: 'size' })).toBe('n was renamed to size; valid keys: size, p');
    expect(unknownKeysMessage(['a', 'gird'], ['grid'])).toBe('unknown keys a, gird; valid keys: grid; did you mean grid for gird?');
  });
});
