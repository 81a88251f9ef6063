import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { executeRun } from '../run/execute.ts';
import { parseExperimentText } from '../spec/load.ts';
import { planRun } from '../spec/plan.ts';
import { checkRunFiles } from './check-run.ts';
import { knownJsonSchemas } from './json-schemas.ts';
import { migrateDocument, type Migration } from './migrate.ts';
import { SCHEMA_VERSION } from './schemas.ts';

const schemaDir = new URL('../../schemas/', import.meta.url);

describe('committed JSON Schemas', () => {
  it('match the zod schemas (regenerate with `npm run generate:schemas`)', () => {
    const generated = knownJsonSchemas(builtinRegistry);
    const committed = readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'));
    expect(committed.sort()).toEqual(Object.keys(generated).map((n) => `${n}.schema.json`).sort());
    for (const [name, schema] of Object.entries(generated)) {
      expect(JSON.parse(readFileSync(new URL(`${name}.schema.json`, schemaDir), 'utf8')), name).toEqual(schema);
    }
  });
});

describe('checkRunFiles', () => {
  const exp = parseExperimentText(readFileSync(new URL('../../../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
  const out = executeRun(exp, planRun(exp, 0), builtinRegistry);

  it('accepts what the runner writes', () => {
    expect(checkRunFiles(out.files, builtinRegistry)).toEqual([]);
  });

  it('reports schema problems, unlisted files and non-numeric metrics', () => {
    const files = out.files.detached();
    files.set('events.jsonl', `${out.files.get('events.jsonl')!}{"time":-1}\n`);
    files.set('extra.txt', 'x');
    files.set('metrics.csv', out.files.get('metrics.csv')!.replace(/\n([^\n]*)\n$/, '\n$1,\n'));
    const problems = checkRunFiles(files, builtinRegistry);
    expect(problems.some((p) => /events\.jsonl line \d+: time/.test(p))).toBe(true);
    expect(problems).toContain('extra.txt: not listed in summary.json files');
    expect(problems.some((p) => /metrics\.csv line \d+: \d+ cells/.test(p))).toBe(true);
  });
});

describe('migrateDocument', () => {
  const steps: Migration[] = [
    { kind: 'summary', from: '0.8.0', to: '0.9.0', up: (d) => ({ ...d, renamed: d.old, old: undefined }) },
    { kind: 'summary', from: '0.9.0', to: SCHEMA_VERSION, up: (d) => ({ ...d, added: true }) },
  ];

  it('applies every step in order up to the current version', () => {
    const r = migrateDocument('summary', { schema_version: '0.8.0', old: 5 }, steps);
    expect(r.doc).toMatchObject({ schema_version: SCHEMA_VERSION, renamed: 5, added: true });
    expect(r.applied).toEqual([`summary 0.8.0 -> 0.9.0`, `summary 0.9.0 -> ${SCHEMA_VERSION}`]);
  });

  it('leaves current documents alone and refuses newer or unknown versions', () => {
    expect(migrateDocument('summary', { schema_version: SCHEMA_VERSION }, steps).applied).toEqual([]);
    expect(() => migrateDocument('summary', { schema_version: '99.0.0' }, steps)).toThrow(/newer than this runner/);
    expect(() => migrateDocument('manifest', { schema_version: '0.8.0' }, steps)).toThrow(/no migration from schema_version 0\.8\.0/);
  });
});

describe('isEventLine', () => {
  const good = { time: 1.5, priority: 0, seq: 3, type: 'arrival', source: 'a/x', target: 'b', payload: { n: 1, nested: { ok: true } } };
  const variants: [string, unknown][] = [
    ['valid', good],
    ['zero time and negative priority', { ...good, time: 0, priority: -2 }],
    ['negative time', { ...good, time: -1 }],
    ['string time', { ...good, time: '1' }],
    ['fractional seq', { ...good, seq: 1.5 }],
    ['negative seq', { ...good, seq: -1 }],
    ['empty type', { ...good, type: '' }],
    ['missing target', (({ target: _t, ...rest }) => rest)(good)],
    ['extra key', { ...good, extra: 1 }],
    ['array payload', { ...good, payload: [] }],
    ['null payload', { ...good, payload: null }],
    ['array', [good]],
    ['null', null],
    ['number', 5],
  ];
  it('agrees with the EventLine zod schema on every case', async () => {
    const { EventLine } = await import('./schemas.ts');
    const { isEventLine } = await import('./check-run.ts');
    for (const [name, v] of variants) expect(isEventLine(v), name).toBe(EventLine.safeParse(v).success);
    expect(variants.filter(([, v]) => isEventLine(v)).length).toBe(2);
  });
});
