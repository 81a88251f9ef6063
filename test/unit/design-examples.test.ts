// The worked examples of docs/designs.md: each parses, is checked against the
// modules, validates against the committed Experiment schema, and plans the
// number of runs its comments and the docs state (an adaptive sweep: the most).
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../runner/src/modules/builtin-registry.ts';
import { validateExperiment } from '../../runner/src/modules/check-sweep.ts';
import { loadExperimentFile } from '../../runner/src/spec/load.ts';
import { maxRunCount } from '../../runner/src/spec/plan.ts';

const dir = new URL('../../examples/designs/', import.meta.url);
// An adaptive sweep's count is the most its rounds can run: replication's points x maxSeeds, a search's 2 probes a round x maxRounds x maxSeeds.
const runs: Record<string, number> = { 'ishigami-sobol.yaml': 1024 * 5, 'g-function-morris.yaml': 50 * 9, 'mm1-replication.yaml': 4 * 40, 'mm1-breaking-point.yaml': 2 * 30 * 16 };

describe('design examples', () => {
  it('are the ones the docs name', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(runs).sort());
  });

  const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(new URL('../../runner/schemas/experiment.schema.json', import.meta.url), 'utf8')) as object);
  for (const [file, count] of Object.entries(runs)) {
    it(`${file}: validates and plans ${count} runs`, async () => {
      const exp = await loadExperimentFile(new URL(file, dir).pathname);
      expect(`${exp.metadata.name}.yaml`).toBe(file);
      validateExperiment(exp, builtinRegistry);
      expect(maxRunCount(exp.spec.sweep)).toBe(count);
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../runner/schemas/experiment.schema.json');
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    });
  }
});
