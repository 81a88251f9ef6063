import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { executeRun } from '../run/execute.ts';
import type { Experiment, TraceFormat } from '../spec/experiment.ts';
import { parseExperimentText } from '../spec/load.ts';
import { planRun } from '../spec/plan.ts';
import type { RunFiles } from './run-files.ts';
import { TRACE_ROW_GROUP } from './trace-parquet.ts';
import { openTrace } from './trace-reader.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function runAs(exp: Experiment, index: number, format: TraceFormat) {
  const e = structuredClone(exp);
  e.spec.output = { ...e.spec.output, trace: { level: 'complete', format } };
  return executeRun(e, planRun(e, index), builtinRegistry);
}

/** The text trace the reader gives back from a run's files. */
async function asText(files: RunFiles): Promise<{ events: Buffer; metrics: Buffer }> {
  const events: Buffer[] = [];
  const metrics: Buffer[] = [];
  await (await openTrace(files)).writeText({ events: (p) => void events.push(Buffer.from(p)), metrics: (p) => void metrics.push(Buffer.from(p)) });
  return { events: Buffer.concat(events), metrics: Buffer.concat(metrics) };
}

describe('Parquet trace', { timeout: 120_000 }, () => {
  it('gives back events.jsonl and metrics.csv byte for byte, for run 0 of every scenario, with the same other files', async () => {
    for (const file of readdirSync(join(repo, 'scenarios')).filter((f) => f.endsWith('.yaml'))) {
      const exp = parseExperimentText(readFileSync(join(repo, 'scenarios', file), 'utf8'));
      const text = runAs(exp, 0, 'text');
      const parquet = runAs(exp, 0, 'parquet');
      const back = await asText(parquet.files);
      expect(back.events.equals(text.files.bytes('events.jsonl') as Buffer), file).toBe(true);
      expect(back.metrics.equals(text.files.bytes('metrics.csv') as Buffer), file).toBe(true);
      expect(parquet.summary.final_metrics, file).toEqual(text.summary.final_metrics);
      for (const name of text.files.names().filter((n) => !['events.jsonl', 'metrics.csv', 'summary.json'].includes(n))) {
        expect(parquet.files.bytes(name)?.equals(text.files.bytes(name) as Buffer), `${file} ${name}`).toBe(true);
      }
      // A trace of a few events is smaller as text (Parquet's footer and schema); a long one is several times smaller.
      const textBytes = back.events.length + back.metrics.length;
      const parquetBytes = (parquet.files.bytes('events.parquet')?.length ?? 0) + (parquet.files.bytes('metrics.parquet')?.length ?? 0);
      if (textBytes > 1e6) expect(parquetBytes, file).toBeLessThan(textBytes / 5);
    }
  });

  it('writes a row group per TRACE_ROW_GROUP events, the same bytes every time, readable by pyarrow with typed columns', async () => {
    const exp = parseExperimentText(readFileSync(join(repo, 'scenarios/mm1-queue.yaml'), 'utf8'));
    exp.spec.scenario.horizon = { time: 40_000 };
    // Arrival rate 0.9: about 108,000 events, two row groups.
    const a = runAs(exp, 15, 'parquet');
    const b = runAs(exp, 15, 'parquet');
    const events = a.files.bytes('events.parquet') as Buffer;
    const metrics = a.files.bytes('metrics.parquet') as Buffer;
    expect(events.equals(b.files.bytes('events.parquet') as Buffer) && metrics.equals(b.files.bytes('metrics.parquet') as Buffer)).toBe(true);
    const groups = parquetMetadata(events.buffer.slice(events.byteOffset, events.byteOffset + events.byteLength) as ArrayBuffer).row_groups.map((g) => Number(g.num_rows));
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.slice(0, -1).every((n) => n === TRACE_ROW_GROUP)).toBe(true);
    expect(groups.reduce((x, y) => x + y, 0)).toBe(a.summary.engine.events);
    const text = runAs(exp, 15, 'text');
    expect((await asText(a.files)).events.equals(text.files.bytes('events.jsonl') as Buffer)).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-trace-'));
    try {
      writeFileSync(join(dir, 'events.parquet'), events);
      writeFileSync(join(dir, 'metrics.parquet'), metrics);
      const python = process.env.PYDATA || execFileSync('bash', [join(repo, 'scripts/ensure-pypi-tool.sh'), 'pydata'], { encoding: 'utf8' }).trim();
      // Each row's payload as a reader without swarmlab sees it: the typed fields its payload_keys name (pandas: NaN elsewhere), or its JSON text.
      const script = [
        'import json, math, sys, pyarrow.parquet as pq',
        'e = pq.read_table(sys.argv[1] + "/events.parquet"); m = pq.read_table(sys.argv[1] + "/metrics.parquet")',
        'df = e.to_pandas()',
        'def payload(row):',
        '    if row["payload_keys"] == "": return json.loads(row["payload"])',
        '    return {k: row["payload." + k] for k in json.loads(row["payload_keys"])}',
        'fields = [c for c in df.columns if c.startswith("payload.")]',
        'print(json.dumps({"rows": [e.num_rows, m.num_rows], "types": {f.name: str(f.type) for f in list(e.schema) + list(m.schema)[:3]}, "served": m.column("server.served").to_pylist()[-1],',
        '  "payloads": [payload(r) for _, r in df.iterrows()], "missing": {c: int(df[c].isna().sum()) for c in fields}}))',
      ].join('\n');
      const report = JSON.parse(execFileSync(python, ['-c', script, dir], { encoding: 'utf8', maxBuffer: 1 << 30 })) as { rows: number[]; types: Record<string, string>; served: number; payloads: unknown[]; missing: Record<string, number> };
      expect(report.rows).toEqual([a.summary.engine.events, a.summary.engine.events]);
      expect(report.types).toEqual({
        time: 'double', priority: 'double', seq: 'int64', type: 'string', source: 'string', target: 'string', payload: 'string', payload_keys: 'string',
        'payload.customer': 'double', 'payload.created': 'double', 'payload.arrived': 'double', 'payload.started': 'double', 'admission.refused': 'double',
      });
      expect(report.served).toBe(a.summary.final_metrics['server.served']);
      const textPayloads = (text.files.bytes('events.jsonl') as Buffer).toString('utf8').trim().split('\n').map((l) => (JSON.parse(l) as { payload: unknown }).payload);
      expect(report.payloads).toEqual(textPayloads);
      // A generate event has no customer; arrivals and departures do.
      const types = textPayloads.map((p) => Object.keys(p as object).join(','));
      expect(report.missing['payload.customer']).toBe(types.filter((k) => !k.includes('customer')).length);
      expect(report.missing['payload.started']).toBe(types.filter((k) => !k.includes('started')).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
