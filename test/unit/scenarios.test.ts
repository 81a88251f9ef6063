// Every shipped Experiment file parses, resolves every parameter point, and
// its first run produces outputs that pass the same checks `swarmlab validate`
// applies, byte-identically twice.
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../runner/src/modules/builtin-registry.ts';
import { validateExperiment } from '../../runner/src/modules/check-sweep.ts';
import { checkRunFiles } from '../../runner/src/outputs/check-run.ts';
import { executeRun } from '../../runner/src/run/execute.ts';
import { loadExperimentFile } from '../../runner/src/spec/load.ts';
import { planRun } from '../../runner/src/spec/plan.ts';

const dir = new URL('../../scenarios/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('shipped scenarios', () => {
  it('include the queue and the four seed systems', () => {
    expect(files.sort()).toEqual(['cicd-demo.yaml', 'cicd-self-healing.yaml', 'flood-overload.yaml', 'governance-cascade.yaml', 'mesh-routing.yaml', 'mm1-queue.yaml']);
  });

  for (const file of files) {
    it(`${file}: validates, and its first run is valid and deterministic`, async () => {
      const exp = await loadExperimentFile(new URL(file, dir).pathname);
      expect(`${exp.metadata.name}.yaml`).toBe(file);
      validateExperiment(exp, builtinRegistry);
      const point = planRun(exp, 0);
      const a = executeRun(exp, point, builtinRegistry);
      expect(await checkRunFiles(a.files, builtinRegistry)).toEqual([]);
      expect(a.summary.engine.events).toBeGreaterThan(0);
      const b = executeRun(exp, point, builtinRegistry);
      expect([...b.files.entries()]).toEqual([...a.files.entries()]);
    });
  }

  it('each starts with the yaml-language-server line pointing at the committed Experiment schema, and validates against it', () => {
    const schemaFile = new URL('../../runner/schemas/experiment.schema.json', import.meta.url);
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const first = text.split('\n')[0]!;
      expect(first, file).toBe('# yaml-language-server: $schema=../runner/schemas/experiment.schema.json');
      const target = new URL(first.split('$schema=')[1]!, new URL(file, dir));
      expect(target.pathname).toBe(schemaFile.pathname);
      expect(validate(parse(text)), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // The schema refuses what the runner refuses: an unknown key.
    const typo = parse(readFileSync(new URL('mm1-queue.yaml', dir), 'utf8')) as { spec: { sweep: Record<string, unknown> } };
    typo.spec.sweep['gird'] = typo.spec.sweep['grid'];
    expect(validate(typo)).toBe(false);
  });
});
