import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { executeRun } from '../run/execute.ts';
import { parseExperimentText, specDigest } from '../spec/load.ts';
import type { Trace } from '../spec/experiment.ts';
import { planRun } from '../spec/plan.ts';
import { checkRunFiles } from './check-run.ts';
import { RunFiles } from './run-files.ts';
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

describe('trace levels', () => {
  const base = parseExperimentText(readFileSync(new URL('../../../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
  const at = (trace: Trace | undefined) => {
    const exp = structuredClone(base);
    exp.spec.output = { ...exp.spec.output, ...(trace ? { trace } : {}) };
    return exp;
  };
  const complete = executeRun(base, planRun(base, 0), builtinRegistry);
  const rows = (text: string | undefined) => (text ?? '').split('\n').slice(1, -1);

  it('every level keeps the final metrics and module results, writes a subset of the complete rows and passes the checks', () => {
    for (const trace of [{ level: 'final' }, { level: 'sampled', every: 250 }, { level: 'sampled', every: 100, unit: 'events' }] as Trace[]) {
      const exp = at(trace);
      const out = executeRun(exp, planRun(exp, 0), builtinRegistry);
      expect(out.summary.final_metrics).toEqual(complete.summary.final_metrics);
      expect(out.summary.results).toEqual(complete.summary.results);
      expect(out.summary.trace?.level).toBe(trace.level);
      expect(out.files.names()).toEqual(['metrics.csv', 'summary.json']);
      const sampled = rows(out.files.get('metrics.csv'));
      expect(sampled.at(-1)).toBe(rows(complete.files.get('metrics.csv')).at(-1));
      const all = new Set(rows(complete.files.get('metrics.csv')));
      expect(sampled.filter((r) => !all.has(r))).toEqual([]);
      expect(checkRunFiles(out.files, builtinRegistry)).toEqual([]);
    }
  });

  it('the complete level is the default and keeps the digest of a spec without a trace level; other levels change it', () => {
    expect(specDigest(at({ level: 'complete' }))).toBe(specDigest(base));
    expect(specDigest(at({ level: 'final' }))).not.toBe(specDigest(base));
    expect(specDigest(at({ level: 'sampled', every: 10 }))).not.toBe(specDigest(at({ level: 'sampled', every: 20 })));
    expect(complete.summary.trace).toEqual({ level: 'complete' });
  });

  it('refuses files that do not match the recorded level', () => {
    const exp = at({ level: 'sampled', every: 50, unit: 'events' });
    const out = executeRun(exp, planRun(exp, 0), builtinRegistry);
    const extraLog = out.files.detached();
    extraLog.set('events.jsonl', complete.files.get('events.jsonl')!);
    expect(checkRunFiles(extraLog, builtinRegistry)).toContain('events.jsonl: present, but trace level sampled has no event log');
    const dropped = out.files.detached();
    dropped.set('metrics.csv', out.files.get('metrics.csv')!.replace(/\n[^\n]*\n/, '\n'));
    expect(checkRunFiles(dropped, builtinRegistry).some((p) => /^metrics\.csv: \d+ rows, trace level sampled of \d+ events has \d+$/.test(p))).toBe(true);
    const noLog = RunFiles.of([...complete.files.detached().entries()].filter(([name]) => name !== 'events.jsonl'));
    expect(checkRunFiles(noLog, builtinRegistry)).toContain('events.jsonl: missing (the complete trace has an event log)');
    const truncated = complete.files.detached();
    truncated.set('metrics.csv', complete.files.get('metrics.csv')!.replace(/[^\n]*\n$/, ''));
    expect(checkRunFiles(truncated, builtinRegistry).some((p) => p.startsWith('metrics.csv: ') && p.includes('rows, trace level complete'))).toBe(true);
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
