import { describe, expect, it } from 'vitest';
import { MetricTable } from '../engine/metric-table.ts';
import type { SimEvent } from '../sdk/module.ts';
import { ByteSink } from './byte-sink.ts';
import { formatRunLog } from './format-run-log.ts';

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
});
