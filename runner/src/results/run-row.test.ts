import { describe, expect, it } from 'vitest';
import type { ManifestRun, Summary } from '../outputs/schemas.ts';
import { ColumnCatalog, type Cell } from './columns.ts';
import { csvLine } from './csv.ts';
import { declareFixedColumns, runCells } from './run-row.ts';

const run = (index: number, params: ManifestRun['params']): ManifestRun => ({ run_id: `run-00000${index}`, index, seed: 100 + index, params, status: 'succeeded' });

function summary(finalMetrics: Record<string, number>, results: Summary['results']): Summary {
  return {
    schema_version: '2.0.0',
    experiment: { name: 'x', spec_digest: '0'.repeat(64) },
    run: { id: 'run-000000', index: 0, seed: 1 },
    params: {},
    modules: [],
    runner: { version: '0.1.0' },
    engine: { events: 10, end_time: 5.5, end_reason: 'no-events' },
    final_metrics: finalMetrics,
    results,
    files: [],
  };
}

/** The rows as name → value, after the catalog fixed the column order. */
function table(rows: Cell[][], catalog: ColumnCatalog): { names: string[]; types: string[]; rows: Record<string, Cell>[] } {
  const { columns, positionOf } = catalog.layout();
  return {
    names: columns.map((c) => c.name),
    types: columns.map((c) => c.type),
    rows: rows.map((pairs) => {
      const out: Record<string, Cell> = {};
      for (let k = 0; k < pairs.length; k += 2) out[(columns[positionOf[pairs[k] as number] as number] as { name: string }).name] = pairs[k + 1] as Cell;
      return out;
    }),
  };
}

describe('a run as a row', () => {
  it('flattens nested summary objects into dotted columns and leaves arrays out', () => {
    const catalog = new ColumnCatalog();
    declareFixedColumns(catalog);
    const cells = runCells(catalog, run(0, { 'a.rate': 0.5 }), 0, summary({ 'a.sent': 3 }, { gov: { votes: { yes: 2, no: 1 }, passed: false, mode: 'archetype', flips_per_round: [1, 2], nothing: null } }));
    const t = table([cells], catalog);
    expect(t.rows[0]).toEqual({
      run_id: 'run-000000', index: 0, seed: 100, point: 0, 'param.a.rate': 0.5, status: 'succeeded',
      end_reason: 'no-events', events: 10, end_time: 5.5, 'metric.a.sent': 3,
      'summary.gov.votes.yes': 2, 'summary.gov.votes.no': 1, 'summary.gov.passed': false, 'summary.gov.mode': 'archetype',
    });
    expect(t.names.some((n) => n.includes('flips_per_round') || n.includes('nothing'))).toBe(false);
  });

  it('orders columns the same whichever run introduced them, and types each by the values seen', () => {
    const runs = [
      [run(0, { p: 1 }), summary({ 'm.b': 1 }, { x: { byCode: { B: 1 }, v: 1 } })],
      [run(1, { p: 'two' }), summary({ 'm.a': 2, 'm.b': 2 }, { x: { byCode: { A: 2 }, v: 'text' } })],
    ] as const;
    const layouts = [runs, [...runs].reverse()].map((order) => {
      const catalog = new ColumnCatalog();
      declareFixedColumns(catalog);
      for (const [r, s] of order) runCells(catalog, r, 0, s);
      return catalog.layout().columns;
    });
    expect(layouts[1]).toEqual(layouts[0]);
    const types = Object.fromEntries((layouts[0] ?? []).map((c) => [c.name, c.type]));
    expect(Object.keys(types).slice(10)).toEqual(['metric.m.a', 'metric.m.b', 'summary.x.byCode.A', 'summary.x.byCode.B', 'summary.x.v']);
    expect(types).toMatchObject({ 'param.p': 'STRING', 'metric.m.a': 'DOUBLE', 'summary.x.v': 'STRING', error_code: 'STRING', events: 'INT64' });
  });

  it('a failed run has its identity, parameters, status and code only', () => {
    const catalog = new ColumnCatalog();
    declareFixedColumns(catalog);
    const failed: ManifestRun = { ...run(3, { p: 2 }), status: 'failed', error: { code: 'RUN_FAILED', message: 'boom' } };
    expect(table([runCells(catalog, failed, 1, undefined)], catalog).rows[0]).toEqual({ run_id: 'run-000003', index: 3, seed: 103, point: 1, 'param.p': 2, status: 'failed', error_code: 'RUN_FAILED' });
  });
});

describe('CSV lines', () => {
  it('quote only fields with a comma, a quote or a line break; null is empty', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 1.5, true, 1e21])).toBe('plain,"a,b","say ""hi""","two\nlines",,1.5,true,1e+21\n');
  });
});
