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
import { ParquetMetricRows, ParquetTraceWriter } from './trace-parquet.ts';
import type { SimEvent } from '../sdk/module.ts';
import { openTrace } from './trace-reader.ts';

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
  const asText = structuredClone(exp);
  asText.spec.output = { ...asText.spec.output, trace: { level: 'complete', format: 'text' } };
  const out = executeRun(asText, planRun(asText, 0), builtinRegistry);
  const parquet = executeRun(exp, planRun(exp, 0), builtinRegistry);

  it('accepts what the runner writes, in either format', async () => {
    expect(await checkRunFiles(out.files, builtinRegistry)).toEqual([]);
    expect(parquet.files.names()).toEqual(['events.parquet', 'metrics.parquet', 'summary.json']);
    expect(await checkRunFiles(parquet.files, builtinRegistry)).toEqual([]);
  });

  it('reports schema problems, unlisted files and non-numeric metrics', async () => {
    const files = out.files.detached();
    files.set('events.jsonl', `${out.files.get('events.jsonl')!}{"time":-1}\n`);
    files.set('extra.txt', 'x');
    files.set('metrics.csv', out.files.get('metrics.csv')!.replace(/\n([^\n]*)\n$/, '\n$1,\n'));
    const problems = await checkRunFiles(files, builtinRegistry);
    expect(problems.some((p) => /events\.jsonl line \d+: time/.test(p))).toBe(true);
    expect(problems).toContain('extra.txt: not listed in summary.json files');
    expect(problems.some((p) => /metrics\.csv line \d+: \d+ cells/.test(p))).toBe(true);
  });

  it('reports an event log of another length than the run executed', async () => {
    const files = out.files.detached();
    files.set('events.jsonl', out.files.get('events.jsonl')!.replace(/[^\n]*\n$/, ''));
    expect(await checkRunFiles(files, builtinRegistry)).toContain(`events.jsonl: ${out.summary.engine.events - 1} events, summary.json says the run executed ${out.summary.engine.events}`);
  });

  it('reports a Parquet trace that is not one, the files of the other format, and a file of the writer\'s schema with bad values', async () => {
    const truncated = parquet.files.detached();
    const bytes = parquet.files.bytes('events.parquet')!;
    truncated.set('events.parquet', bytes.subarray(0, bytes.length - 9));
    expect((await checkRunFiles(truncated, builtinRegistry)).some((p) => p.startsWith('events.parquet: not a Parquet file this runner can read'))).toBe(true);

    const mixed = parquet.files.detached();
    mixed.set('metrics.csv', out.files.get('metrics.csv')!);
    expect(await checkRunFiles(mixed, builtinRegistry)).toContain('metrics.csv: present, but the run\'s trace is written as parquet');

    // The metrics of the complete trace written again with one value not finite and a time going back.
    const rows = new ParquetMetricRows();
    const header = out.files.get('metrics.csv')!.split('\n')[0]!.split(',');
    rows.begin(header.slice(2));
    out.files.get('metrics.csv')!.split('\n').slice(1, -1).forEach((line, i) => {
      const cells = line.split(',').map(Number);
      if (i === 5) cells[2] = Number.NaN;
      if (i === 9) cells[0] = -1;
      rows.row(cells[0]!, cells[1]!, Float64Array.from(cells.slice(2)));
    });
    const bad = parquet.files.detached();
    bad.set('metrics.parquet', rows.finish()[0]![1]);
    const problems = await checkRunFiles(bad, builtinRegistry);
    expect(problems).toContain(`metrics.parquet row 5: column ${header[2]} is not a finite number`);
    expect(problems).toContain('metrics.parquet row 9: time goes backwards');

    // An event log of the writer's schema with bad events: each one named by its row.
    const log = new ParquetTraceWriter();
    log.begin(['a.x']);
    const event = (e: Partial<SimEvent>) => log.event({ time: 1, priority: 0, seq: 0, type: 't', source: 's', target: 'x', payload: {}, ...e } as SimEvent, Float64Array.of(0), 0);
    event({ seq: 0, payload: { ok: [1, { deep: 'yes' }] } });
    event({ seq: 1, payload: [1] as unknown as SimEvent['payload'] });
    event({ seq: 1 });
    event({ seq: 2, time: 0.5 });
    event({ seq: 3, type: '' });
    const badLog = log.finish()[0]![1] as Buffer;
    const logFiles = parquet.files.detached();
    logFiles.set('events.parquet', badLog);
    expect((await checkRunFiles(logFiles, builtinRegistry)).filter((p) => p.startsWith('events.parquet'))).toEqual([
      'events.parquet row 1: payload is not the JSON text of an object',
      'events.parquet row 2: duplicate seq 1',
      'events.parquet row 3: time goes backwards',
      'events.parquet row 4: type is empty',
    ]);

    // Columns of other types than the writer's: refused by name.
    const other = new ParquetMetricRows();
    other.begin(['a.x']);
    other.row(0, 0, Float64Array.of(1));
    const renamed = parquet.files.detached();
    renamed.set('events.parquet', other.finish()[0]![1]);
    expect(await checkRunFiles(renamed, builtinRegistry)).toContain('events.parquet: columns are (time DOUBLE, seq INT64, a.x DOUBLE), expected (time DOUBLE, priority DOUBLE, seq INT64, type STRING, source STRING, target STRING, payload STRING)');
  });
});

describe('trace levels', () => {
  const base = parseExperimentText(readFileSync(new URL('../../../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
  const at = (trace: Omit<Trace, 'format'> & { format?: Trace['format'] }) => {
    const exp = structuredClone(base);
    exp.spec.output = { ...exp.spec.output, trace: { format: 'parquet', ...trace } };
    return exp;
  };
  const text = { format: 'text' } as const;
  const complete = executeRun(at({ level: 'complete', ...text }), planRun(base, 0), builtinRegistry);
  const rows = (csv: string | undefined) => (csv ?? '').split('\n').slice(1, -1);

  it('every level keeps the final metrics and module results, writes a subset of the complete rows and passes the checks', async () => {
    for (const trace of [{ level: 'final' }, { level: 'sampled', every: 250 }, { level: 'sampled', every: 100, unit: 'events' }] as const) {
      const exp = at({ ...trace, ...text });
      const out = executeRun(exp, planRun(exp, 0), builtinRegistry);
      expect(out.summary.final_metrics).toEqual(complete.summary.final_metrics);
      expect(out.summary.results).toEqual(complete.summary.results);
      expect(out.summary.trace?.level).toBe(trace.level);
      expect(out.files.names()).toEqual(['metrics.csv', 'summary.json']);
      const sampled = rows(out.files.get('metrics.csv'));
      expect(sampled.at(-1)).toBe(rows(complete.files.get('metrics.csv')).at(-1));
      const all = new Set(rows(complete.files.get('metrics.csv')));
      expect(sampled.filter((r) => !all.has(r))).toEqual([]);
      expect(await checkRunFiles(out.files, builtinRegistry)).toEqual([]);

      // The same level as Parquet: the same rows, read back through the trace reader.
      const asParquet = at(trace);
      const pq = executeRun(asParquet, planRun(asParquet, 0), builtinRegistry);
      expect(pq.files.names()).toEqual(['metrics.parquet', 'summary.json']);
      expect(pq.summary.final_metrics).toEqual(complete.summary.final_metrics);
      expect(await checkRunFiles(pq.files, builtinRegistry)).toEqual([]);
      let csv = '';
      await (await openTrace(pq.files)).writeText({ events: () => undefined, metrics: (part) => void (csv += Buffer.from(part).toString()) });
      expect(csv).toBe(out.files.get('metrics.csv'));
    }
  });

  it('the complete text trace keeps the digest of a spec without a trace; the Parquet default, other levels and formats change it', () => {
    const before = structuredClone(base);
    delete before.spec.output.trace;
    const digestBefore = specDigest(at({ level: 'complete', ...text }));
    expect(specDigest(before)).not.toBe(digestBefore);
    expect(specDigest(at({ level: 'complete' }))).toBe(specDigest(before));
    expect(specDigest(at({ level: 'final', ...text }))).not.toBe(digestBefore);
    expect(specDigest(at({ level: 'final', ...text }))).not.toBe(specDigest(at({ level: 'final' })));
    expect(specDigest(at({ level: 'sampled', every: 10 }))).not.toBe(specDigest(at({ level: 'sampled', every: 20 })));
    expect(complete.summary.trace).toEqual({ level: 'complete', format: 'text' });
  });

  it('refuses files that do not match the recorded level', async () => {
    const exp = at({ level: 'sampled', every: 50, unit: 'events', ...text });
    const out = executeRun(exp, planRun(exp, 0), builtinRegistry);
    const extraLog = out.files.detached();
    extraLog.set('events.jsonl', complete.files.get('events.jsonl')!);
    expect(await checkRunFiles(extraLog, builtinRegistry)).toContain('events.jsonl: present, but trace level sampled has no event log');
    const dropped = out.files.detached();
    dropped.set('metrics.csv', out.files.get('metrics.csv')!.replace(/\n[^\n]*\n/, '\n'));
    expect((await checkRunFiles(dropped, builtinRegistry)).some((p) => /^metrics\.csv: \d+ rows, trace level sampled of \d+ events has \d+$/.test(p))).toBe(true);
    const noLog = RunFiles.of([...complete.files.detached().entries()].filter(([name]) => name !== 'events.jsonl'));
    expect(await checkRunFiles(noLog, builtinRegistry)).toContain('events.jsonl: missing (the complete trace has an event log)');
    const truncated = complete.files.detached();
    truncated.set('metrics.csv', complete.files.get('metrics.csv')!.replace(/[^\n]*\n$/, ''));
    expect((await checkRunFiles(truncated, builtinRegistry)).some((p) => p.startsWith('metrics.csv: ') && p.includes('rows, trace level complete'))).toBe(true);

    const pqExp = at({ level: 'sampled', every: 50, unit: 'events' });
    const pq = executeRun(pqExp, planRun(pqExp, 0), builtinRegistry);
    const pqComplete = executeRun(base, planRun(base, 0), builtinRegistry);
    const pqExtra = pq.files.detached();
    pqExtra.set('events.parquet', pqComplete.files.bytes('events.parquet')!);
    expect(await checkRunFiles(pqExtra, builtinRegistry)).toContain('events.parquet: present, but trace level sampled has no event log');
    const swapped = pqComplete.files.detached();
    swapped.set('metrics.parquet', pq.files.bytes('metrics.parquet')!);
    expect((await checkRunFiles(swapped, builtinRegistry)).some((p) => /^metrics\.parquet: \d+ rows, trace level complete of \d+ events has \d+$/.test(p))).toBe(true);
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
