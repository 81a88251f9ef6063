import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SwarmlabError } from '../errors.ts';
import { goYamlV2Plain } from './kubectl-yaml.ts';
import { parseExperimentText } from './load.ts';
import { parseRefusal } from '../testing/parse-refusal.ts';

describe('goYamlV2Plain: how kubectl (sigs.k8s.io/yaml, go-yaml v2) types a plain scalar', () => {
  const table: [string, unknown][] = [
    ['n', false], ['N', false], ['no', false], ['No', false], ['NO', false], ['off', false], ['Off', false], ['OFF', false], ['false', false], ['False', false],
    ['y', true], ['Y', true], ['yes', true], ['Yes', true], ['YES', true], ['on', true], ['On', true], ['ON', true], ['true', true], ['TRUE', true],
    ['', null], ['~', null], ['null', null], ['Null', null], ['NULL', null],
    ['0777', 511], ['0o17', 15], ['0x1F', 31], ['-0x1F', -31], ['0b101', 5], ['-0b11', -3], ['1_000', 1000], ['+12', 12], ['-7', -7], ['0', 0],
    ['08', 8], ['1.5', 1.5], ['.5', 0.5], ['.5_0', 0.5], ['._5', '._5'], ['1.', 1], ['1e3', 1000], ['-1.5e-3', -0.0015], ['1_0.5', 10.5],
    ['.inf', Infinity], ['-.Inf', -Infinity], ['+.INF', Infinity],
    ['1:20', '1:20'], ['2001-12-14', '2001-12-14'], ['=', '='], ['nope', 'nope'], ['yes please', 'yes please'], ['1e400', '1e400'], ['0x', '0x'], ['.', '.'], ['-', '-'],
    ['<<', '<<'], ['n-1', 'n-1'], ['0.0.1', '0.0.1'], ['99999999999999999999', 1e20], ['-9223372036854775809', -9223372036854775809],
  ];
  for (const [text, value] of table) {
    it(`${JSON.stringify(text)} -> ${String(value)}`, () => expect(goYamlV2Plain(text)).toEqual(value));
  }
  it('.nan is NaN', () => expect(goYamlV2Plain('.NaN')).toBeNaN());
});

const HEAD = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: ambiguous
spec:
  scenario:
    modules:
      - kind: network
        module: erdos-renyi
        name: net
`;
const TAIL = `    horizon: { events: 10 }
`;

const refusal = (text: string): SwarmlabError => parseRefusal(text);

describe('an Experiment file that kubectl would read differently is refused', () => {
  const cases: [string, string, string, RegExp][] = [
    ['        config: { n: 50, p: 0.2 }\n', 'spec.scenario.modules[0].config.n', 'line 11', /kubectl reads the key n as the boolean false \(YAML 1\.1\) but swarmlab reads it as the string "n"/],
    ['        config:\n          y: 1\n', 'spec.scenario.modules[0].config.y', 'line 12', /key y as the boolean true/],
    ['        config: { on: 1 }\n', 'spec.scenario.modules[0].config.on', 'line 11', /key on as the boolean true/],
    ['        config: { size: 0777, p: 0.2 }\n', 'spec.scenario.modules[0].config.size', 'line 11', /value 0777 as the number 511 .* as the number 777/],
    ['        config: { size: 1_000, p: 0.2 }\n', 'spec.scenario.modules[0].config.size', 'line 11', /value 1_000 as the number 1000 .* as the string "1_000"/],
    ['        config: { size: 50, p: 0.2, weight: 0b1 }\n', 'spec.scenario.modules[0].config.weight', 'line 11', /0b1 as the number 1/],
    ['        version: yes\n', 'spec.scenario.modules[0].version', 'line 11', /value yes as the boolean true/],
    ['        config: { size: !!int "5", p: 0.2 }\n', 'spec.scenario.modules[0].config.size', 'line 11', /explicit tag/],
  ];
  for (const [lines, path, line, message] of cases) {
    it(`${lines.trim()} -> ${path}`, () => {
      const e = refusal(HEAD + lines + TAIL);
      expect(e.code).toBe('BAD_FILE');
      expect(e.path).toBe(path);
      expect(e.message).toContain(`${line}:`);
      expect(e.message).toMatch(message);
      expect(e.hint).toMatch(/quote it|without a tag/);
    });
  }

  it('a value in a sequence is named by its index', () => {
    const e = refusal(`${HEAD}        config: { size: 5, p: 0.2 }\n${TAIL}  sweep:\n    grid:\n      - { param: net.p, values: [0.1, off] }\n`);
    expect(e.path).toBe('spec.sweep.grid[0].values[1]');
  });

  it('merge keys are refused: kubectl merges, YAML 1.2 does not', () => {
    const e = refusal(`${HEAD}        config: &c { size: 5, p: 0.2 }\n      - kind: network\n        module: erdos-renyi\n        name: net2\n        config: { <<: *c }\n${TAIL}`);
    expect(e.path).toBe('spec.scenario.modules[1].config.<<');
    expect(e.message).toMatch(/merge key/);
  });

  it('quoted, block and unambiguous plain scalars are accepted', () => {
    const exp = parseExperimentText(`${HEAD}        config: { "n": 1, 'y': 2, size: 5, p: 0.2, text: "yes", other: no-way, date: 2001-12-14, hex: 0x1F, exp: 1e3, neg: -7, nul: null, t: true }\n${TAIL}`);
    expect(exp.spec.scenario.modules[0]!.config).toMatchObject({ n: 1, y: 2, text: 'yes', other: 'no-way', date: '2001-12-14', hex: 31, exp: 1000, neg: -7, nul: null, t: true });
  });

  it('every shipped scenario reads the same both ways', () => {
    const dir = new URL('../../../scenarios/', import.meta.url);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      expect(() => parseExperimentText(readFileSync(new URL(f, dir), 'utf8'), f), f).not.toThrow();
    }
  });
});

describe('YAML aliases', () => {
  it('a billion-laughs document is refused quickly with BAD_FILE', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = `apiVersion: swarmlab.io/v1alpha1\nkind: Experiment\nmetadata:\n  name: lol\n  annotations:\n${levels.map((l) => `    ${l}`).join('\n')}\nspec: {}\n`;
    const started = performance.now();
    const e = refusal(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(e.code).toBe('BAD_FILE');
    expect(e.message).toMatch(/aliases/);
  });

  it('a few aliases are fine', () => {
    const exp = parseExperimentText(`${HEAD}        config: &c { size: 5, p: 0.2 }\n      - kind: network\n        module: erdos-renyi\n        name: net2\n        config: *c\n${TAIL}`);
    expect(exp.spec.scenario.modules[1]!.config).toEqual({ size: 5, p: 0.2 });
  });
});
