import { describe, expect, it } from 'vitest';
import { MetricTable } from '../engine/metric-table.ts';
import type { SimEvent } from '../sdk/module.ts';
import { ByteSink } from './byte-sink.ts';
import { formatRunLog } from './format-run-log.ts';
import { traceWriter } from './trace-writer.ts';
import { openTrace } from './trace-reader.ts';
import { RunFiles } from './run-files.ts';
import type { RunTrace } from '../spec/experiment.ts';

describe('formatRunLog', () => {
  it('grows a sink past its capacity and reuses it after a reset', () => {
    const sink = new ByteSink(4);
    sink.write('héllo, ');
    sink.writeByte(0x21);
    expect(sink.bytes().toString()).toBe('héllo, !');
    sink.reset();
    sink.write('x');
    expect(sink.bytes().toString()).toBe('x');
  });

  it('writes numbers as String() does, integers digit by digit', () => {
    const values = [0, -0, 7, -7, 10, 100, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1e-7, 0.1 + 0.2, -1.5, NaN, Infinity, -Infinity, 123456789012];
    const sink = new ByteSink(1);
    for (const v of values) {
      sink.writeNumber(v);
      sink.writeByte(0x2c);
    }
    expect(sink.bytes().toString()).toBe(values.map((v) => `${String(v)},`).join(''));
  });

  it('appends bytes of another sink', () => {
    const from = new ByteSink();
    from.write('abcdef');
    const to = new ByteSink(2);
    to.write('>');
    to.append(from, 1, 4);
    expect(to.bytes().toString()).toBe('>bcd');
  });

  const events: SimEvent[] = [
    { time: 0, priority: 0, seq: 0, type: 'start', source: 'a', target: 'b', payload: {} },
    { time: 0.1 + 0.2, priority: -1, seq: 7, type: 'quote"d', source: 'a/é', target: 'b/\n', payload: { s: 'tab\t\u0001', n: [1e21, 1.5e-7, -0], o: { ok: null } } },
    { time: 1e21, priority: 2.5, seq: 3, type: 'late', source: 'a', target: 'b', payload: { big: 123456789012 } },
  ];
  const table = new MetricTable(['a.x', 'b.y'], 1);
  for (const row of [[1, 0.5], [2, 1e-7], [3, -4]]) {
    const at = table.appendRow();
    row.forEach((v, j) => table.set(at + j, v));
  }

  it('writes each event exactly as JSON.stringify does, one per line', () => {
    const expected = events.map((e) => `${JSON.stringify({ time: e.time, priority: e.priority, seq: e.seq, type: e.type, source: e.source, target: e.target, payload: e.payload })}\n`).join('');
    expect(formatRunLog({ events, metrics: table }).events.bytes().toString()).toBe(expected);
  });

  it('writes a metrics row after each event, its time as in the event log', () => {
    expect(formatRunLog({ events, metrics: table }).metrics.bytes().toString()).toBe('time,seq,a.x,b.y\n0,0,1,0.5\n0.30000000000000004,7,2,1e-7\n1e+21,3,3,-4\n');
  });

  it('writes only the header for an empty log', () => {
    const out = formatRunLog({ events: [], metrics: new MetricTable(['a.x']) });
    expect([out.events.bytes().toString(), out.metrics.bytes().toString()]).toEqual(['', 'time,seq,a.x\n']);
  });

  describe('trace levels', () => {
    // Events at these times, with one metric counting them: the rows of the complete trace are `time,seq,count`.
    const times = [0, 0.5, 1, 1, 2.5, 6, 6.2, 9.75];
    const log = times.map((time, i): SimEvent => ({ time, priority: 0, seq: i, type: 'tick', source: 'a', target: 'a', payload: {} }));
    const counts = new MetricTable(['a.count']);
    times.forEach((_, i) => counts.set(counts.appendRow(), i + 1));
    const run = (trace: RunTrace, format: 'text' | 'parquet') => {
      const w = traceWriter({ ...trace, format });
      w.begin(counts.columns);
      const values = counts.values();
      log.forEach((e, i) => w.event(e, values, i));
      return RunFiles.of(w.finish());
    };
    const write = (trace: RunTrace) => {
      const files = run(trace, 'text');
      return { events: files.get('events.jsonl') ?? '', metrics: files.get('metrics.csv')!.split('\n').slice(1, -1) };
    };
    const complete = write({ level: 'complete' }).metrics;

    it('final: no event log, the last row of the complete trace only', () => {
      expect(write({ level: 'final' })).toEqual({ events: '', metrics: [complete.at(-1)] });
    });

    it('sampled by time: the row in force at each multiple of every, then the last, each a row of the complete trace', () => {
      const sampled = write({ level: 'sampled', every: 2, unit: 'time' });
      expect(sampled.events).toBe('');
      // In force at 0: the row after seq 0; at 2: seq 3 (time 1); at 4: seq 4 (2.5); at 6: seq 5 (an event at 6 counts);
      // at 8: seq 6 (6.2); then the last row, seq 7.
      expect(sampled.metrics).toEqual(['0,0,1', '1,3,4', '2.5,4,5', '6,5,6', '6.2,6,7', '9.75,7,8']);
      for (const row of sampled.metrics) expect(complete).toContain(row);
    });

    it('sampled by events: the row after every every-th event, then the last', () => {
      expect(write({ level: 'sampled', every: 3, unit: 'events' }).metrics).toEqual(['1,2,3', '6,5,6', '9.75,7,8']);
      expect(write({ level: 'sampled', every: 4, unit: 'events' }).metrics).toEqual(['1,3,4', '9.75,7,8']);
    });

    it('a run with no events has only the header at every level', () => {
      for (const trace of [{ level: 'final' }, { level: 'sampled', every: 1, unit: 'time' }] as RunTrace[]) {
        const w = traceWriter({ ...trace, format: 'text' });
        w.begin(['a.x']);
        expect(RunFiles.of(w.finish()).get('metrics.csv')).toBe('time,seq,a.x\n');
      }
    });

    it('writes the same rows as Parquet at every level, which the trace reader gives back as the text bytes', async () => {
      for (const trace of [{ level: 'complete' }, { level: 'final' }, { level: 'sampled', every: 2, unit: 'time' }, { level: 'sampled', every: 3, unit: 'events' }] as RunTrace[]) {
        const text = run(trace, 'text');
        const parquet = run(trace, 'parquet');
        expect(parquet.names()).toEqual(trace.level === 'complete' ? ['events.parquet', 'metrics.parquet'] : ['metrics.parquet']);
        const got = { events: '', metrics: '' };
        await (await openTrace(parquet)).writeText({ events: (p) => void (got.events += Buffer.from(p).toString()), metrics: (p) => void (got.metrics += Buffer.from(p).toString()) });
        expect(got).toEqual({ events: text.get('events.jsonl') ?? '', metrics: text.get('metrics.csv') });
        const reread = [];
        for await (const e of (await openTrace(parquet)).events()) reread.push(e);
        expect(reread).toEqual(trace.level === 'complete' ? log : []);
      }
    });
  });
});
