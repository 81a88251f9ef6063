import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../sdk/module.ts';
import type { JsonObject } from '../sdk/json.ts';
import { scanEventsParquet } from './check-trace-parquet.ts';
import { columnNames, openParquet } from './parquet-columns.ts';
import { RunLogWriter } from './format-run-log.ts';
import { ParquetTraceWriter, TRACE_ROW_GROUP } from './trace-parquet.ts';
import { openTrace } from './trace-reader.ts';

class Point {
  x = 1;
  y = 2;
}

/** Payloads of every kind, by row: typed ones, and ones that must stay JSON text. */
function payloadOf(i: number): unknown {
  if (i >= TRACE_ROW_GROUP) {
    // Past the first row group the columns are fixed: a new key is JSON text, a known one typed.
    return i % 2 === 0 ? { late: i } : { n: i, x: i / 7 };
  }
  const nullProto = Object.assign(Object.create(null) as Record<string, number>, { n: i });
  const kinds: unknown[] = [
    {},
    { n: i },
    { n: i, x: i / 3 },
    { x: -0, n: -i * 1e-9 },
    { b: 1, 2: 2, a: 3, 1: 4, n: 1e21 },
    { 'é': 1.5, 'a"b': 2, '\ud800': 3 },
    nullProto,
    { s: 'text' },
    { nested: { a: 1 } },
    { n: Number.NaN },
    { list: [1, 2] },
    { gone: undefined, n: 5 },
    new Point(),
  ];
  return kinds[i % kinds.length];
}

function traces(rows: number): { parquet: Buffer; metrics: Buffer; text: Buffer; events: SimEvent[] } {
  const parquet = new ParquetTraceWriter();
  const text = new RunLogWriter();
  const metrics = new Float64Array(1);
  const events: SimEvent[] = [];
  for (const w of [parquet, text]) w.begin(['m.v']);
  for (let i = 0; i < rows; i++) {
    const e = { time: i, priority: 0, seq: i, type: 'tick', source: 'a', target: 'b', payload: payloadOf(i) as JsonObject };
    events.push(e);
    metrics[0] = i;
    parquet.event(e, metrics, 0);
    text.event(e, metrics, 0);
  }
  const [[, eventFile], [, metricFile]] = parquet.finish() as [[string, Buffer], [string, Buffer]];
  return { parquet: eventFile, metrics: metricFile, text: Buffer.from(text.sinks.events.bytes()), events };
}

describe('typed payload fields', () => {
  it('store a payload of numbers as typed columns, any other as JSON text, and give back the text trace byte for byte', async () => {
    const rows = TRACE_ROW_GROUP + 50;
    const { parquet, metrics, text, events } = traces(rows);
    const file = await openParquet(parquet);
    // The first row group's keys, in order of first appearance; not the late key.
    expect(columnNames(file)).toEqual([
      'time', 'priority', 'seq', 'type', 'source', 'target', 'payload', 'payload_keys',
      'payload.n', 'payload.x', 'payload.1', 'payload.2', 'payload.b', 'payload.a', 'payload.é', 'payload.a"b',
    ]);
    expect(file.metadata.schema.filter((s) => s.name.startsWith('payload.')).every((s) => s.repetition_type === 'OPTIONAL')).toBe(true);

    const reader = await openTrace({ source: (name) => (name === 'events.parquet' ? parquet : metrics), names: () => ['events.parquet', 'metrics.parquet'] });
    const parts: Buffer[] = [];
    await reader.writeText({ events: (p) => void parts.push(Buffer.from(p)), metrics: () => undefined });
    expect(Buffer.concat(parts).equals(text)).toBe(true);
    const read: unknown[] = [];
    for await (const e of reader.events()) read.push(e.payload);
    expect(read).toEqual(events.map((e) => JSON.parse(JSON.stringify(e.payload)) as unknown));
    // Decoded and checked row by row (a copy: not the rows checked as written).
    expect((await scanEventsParquet(Buffer.from(parquet))).problems).toEqual([]);
  });

  it('are checked when the file is read back: each row\'s fields are the ones its payload_keys names, and finite', async () => {
    const n = 6;
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'time', data: Array.from({ length: n }, (_, i) => i), type: 'DOUBLE', nullable: false },
        { name: 'priority', data: Array.from({ length: n }, () => 0), type: 'DOUBLE', nullable: false },
        { name: 'seq', data: Array.from({ length: n }, (_, i) => BigInt(i)), type: 'INT64', nullable: false },
        ...['type', 'source', 'target'].map((name) => ({ name, data: Array.from({ length: n }, () => 'x'), type: 'STRING' as const, nullable: false })),
        { name: 'payload', data: ['', '', '{"n":1}', '', '', '{"m":2}'], type: 'STRING', nullable: false },
        { name: 'payload_keys', data: ['["n"]', '["n"]', '["n"]', '["m"]', 'n', ''], type: 'STRING', nullable: false },
        { name: 'payload.n', data: [1, null, 1, null, null, 3], type: 'DOUBLE', nullable: true },
      ],
    });
    expect((await scanEventsParquet(Buffer.from(file))).problems).toEqual([
      'events.parquet row 1: payload field n is null, not a finite number',
      'events.parquet row 2: payload has both JSON text and typed fields',
      'events.parquet row 3: payload_keys names m, which has no column payload.m',
      'events.parquet row 4: payload_keys n is not JSON',
      'events.parquet row 5: payload is JSON text but has a typed field',
    ]);
  });

  it('must be optional columns after payload_keys', async () => {
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'time', data: [0], type: 'DOUBLE', nullable: false },
        { name: 'priority', data: [0], type: 'DOUBLE', nullable: false },
        { name: 'seq', data: [0n], type: 'INT64', nullable: false },
        ...['type', 'source', 'target'].map((name) => ({ name, data: ['x'], type: 'STRING' as const, nullable: false })),
        { name: 'payload', data: [''], type: 'STRING', nullable: false },
        { name: 'payload_keys', data: ['["n"]'], type: 'STRING', nullable: false },
        { name: 'payload.n', data: [1], type: 'DOUBLE', nullable: false },
      ],
    });
    expect((await scanEventsParquet(Buffer.from(file))).problems).toEqual(['events.parquet: payload field column payload.n must be optional (null where a row lacks the field)']);
  });
});
