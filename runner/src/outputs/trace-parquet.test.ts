import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { executeRun } from '../run/execute.ts';
import type { SimEvent } from '../sdk/module.ts';
import { parseExperimentText } from '../spec/load.ts';
import { planRun } from '../spec/plan.ts';
import { ParquetTraceWriter, TRACE_ROW_GROUP, traceToText } from './trace-parquet.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Feeds a run's text trace, as the engine gave it, to the Parquet writer. */
function parquetOf(events: string, metrics: string): { events: Buffer; metrics: Buffer } {
  const [header, ...rows] = metrics.split('\n').slice(0, -1);
  const columns = (header as string).split(',').slice(2);
  const w = new ParquetTraceWriter();
  w.begin(columns);
  events
    .split('\n')
    .slice(0, -1)
    .forEach((line, i) => {
      const values = Float64Array.from((rows[i] as string).split(',').slice(2).map(Number));
      w.event(JSON.parse(line) as SimEvent, values, 0);
    });
  return w.finish();
}

describe('Parquet trace', { timeout: 120_000 }, () => {
  it('gives back events.jsonl and metrics.csv byte for byte, for run 0 of every scenario', async () => {
    for (const file of readdirSync(join(repo, 'scenarios')).filter((f) => f.endsWith('.yaml'))) {
      const exp = parseExperimentText(readFileSync(join(repo, 'scenarios', file), 'utf8'));
      const out = executeRun(exp, planRun(exp, 0), builtinRegistry);
      const events = out.files.get('events.jsonl') as string;
      const metrics = out.files.get('metrics.csv') as string;
      const parquet = parquetOf(events, metrics);
      const text = await traceToText(parquet.events, parquet.metrics);
      expect(text.events.equals(out.files.bytes('events.jsonl') as Buffer), file).toBe(true);
      expect(text.metrics.equals(out.files.bytes('metrics.csv') as Buffer), file).toBe(true);
      // A trace of a few events is smaller as text (Parquet's footer and schema); a long one is several times smaller.
      if (events.length + metrics.length > 1e6) expect(parquet.events.byteLength + parquet.metrics.byteLength, file).toBeLessThan((events.length + metrics.length) / 5);
    }
  });

  it('writes a row group per TRACE_ROW_GROUP events, the same bytes every time, readable by pyarrow with typed columns', async () => {
    const exp = parseExperimentText(readFileSync(join(repo, 'scenarios/mm1-queue.yaml'), 'utf8'));
    exp.spec.scenario.horizon = { time: 40_000 };
    // Arrival rate 0.9: about 108,000 events, two row groups.
    const out = executeRun(exp, planRun(exp, 15), builtinRegistry);
    const events = out.files.get('events.jsonl') as string;
    const metrics = out.files.get('metrics.csv') as string;
    const a = parquetOf(events, metrics);
    const b = parquetOf(events, metrics);
    expect(a.events.equals(b.events) && a.metrics.equals(b.metrics)).toBe(true);
    const groups = parquetMetadata(a.events.buffer.slice(a.events.byteOffset, a.events.byteOffset + a.events.byteLength) as ArrayBuffer).row_groups.map((g) => Number(g.num_rows));
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.slice(0, -1).every((n) => n === TRACE_ROW_GROUP)).toBe(true);
    expect(groups.reduce((x, y) => x + y, 0)).toBe(out.summary.engine.events);
    const text = await traceToText(a.events, a.metrics);
    expect(text.events.equals(out.files.bytes('events.jsonl') as Buffer)).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-trace-'));
    try {
      writeFileSync(join(dir, 'events.parquet'), a.events);
      writeFileSync(join(dir, 'metrics.parquet'), a.metrics);
      const python = process.env.PYDATA || execFileSync('bash', [join(repo, 'scripts/ensure-pypi-tool.sh'), 'pydata'], { encoding: 'utf8' }).trim();
      const script = [
        'import json, sys, pyarrow.parquet as pq',
        'e = pq.read_table(sys.argv[1] + "/events.parquet"); m = pq.read_table(sys.argv[1] + "/metrics.parquet")',
        'print(json.dumps({"rows": [e.num_rows, m.num_rows], "types": {f.name: str(f.type) for f in list(e.schema) + list(m.schema)[:3]}, "served": m.column("server.served").to_pylist()[-1]}))',
      ].join('\n');
      const report = JSON.parse(execFileSync(python, ['-c', script, dir], { encoding: 'utf8' })) as { rows: number[]; types: Record<string, string>; served: number };
      expect(report.rows).toEqual([out.summary.engine.events, out.summary.engine.events]);
      expect(report.types).toEqual({ time: 'double', priority: 'double', seq: 'int64', type: 'string', source: 'string', target: 'string', payload: 'string', 'admission.refused': 'double' });
      expect(report.served).toBe(out.summary.final_metrics['server.served']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
