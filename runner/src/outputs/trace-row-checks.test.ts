import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../sdk/module.ts';
import { scanEventsParquet, scanMetricsParquet } from './check-trace-parquet.ts';
import { ParquetTraceWriter, TRACE_ROW_GROUP } from './trace-parquet.ts';
import { recordCheckedAsWritten } from './trace-row-checks.ts';

/** A trace over two row groups whose rows break each check once, then once more past the first group. */
function brokenTrace(): { events: Buffer; metrics: Buffer } {
  const writer = new ParquetTraceWriter();
  writer.begin(['queue.length', 'served']);
  const rows = TRACE_ROW_GROUP + 100;
  const values = new Float64Array(2 * rows);
  for (let i = 0; i < rows; i++) {
    const e: SimEvent = { time: i, priority: 0, seq: i, type: 'arrival', source: 'src', target: 'server/1', payload: { n: i } };
    let event: SimEvent = e;
    if (i === 10) event = { ...e, time: 5 };
    if (i === 20) event = { ...e, seq: 3 };
    if (i === 30) event = { ...e, type: '' };
    if (i === 40) event = { ...e, priority: Number.NaN };
    if (i === 50) event = { ...e, target: '' };
    if (i === TRACE_ROW_GROUP + 7) event = { ...e, time: -1 };
    values[2 * i] = i === 60 ? Number.POSITIVE_INFINITY : i;
    values[2 * i + 1] = i === TRACE_ROW_GROUP + 9 ? Number.NaN : 1;
    writer.event(event, values, 2 * i);
  }
  const [[, events], [, metrics]] = writer.finish() as [[string, Buffer], [string, Buffer]];
  return { events, metrics };
}

describe('trace rows checked as written', () => {
  it('find the same problems, rows and last time as decoding a copy of the same bytes', async () => {
    const { events, metrics } = brokenTrace();
    const eventsAsWritten = await scanEventsParquet(events);
    const eventsRead = await scanEventsParquet(Buffer.from(events));
    expect(eventsAsWritten.problems).toEqual([
      'events.parquet row 10: time goes backwards',
      'events.parquet row 20: duplicate seq 3',
      'events.parquet row 30: type is empty',
      'events.parquet row 40: priority is not a finite number',
      'events.parquet row 50: target is empty',
      `events.parquet row ${TRACE_ROW_GROUP + 7}: time -1 is not a finite number >= 0`,
    ]);
    expect(eventsRead).toEqual(eventsAsWritten);
    expect(eventsAsWritten.rows).toBe(TRACE_ROW_GROUP + 100);

    const metricsAsWritten = await scanMetricsParquet(metrics);
    const metricsRead = await scanMetricsParquet(Buffer.from(metrics));
    expect(metricsAsWritten.problems).toEqual([
      'metrics.parquet row 10: time goes backwards',
      'metrics.parquet row 60: column queue.length is not a finite number',
      `metrics.parquet row ${TRACE_ROW_GROUP + 7}: time goes backwards`,
      `metrics.parquet row ${TRACE_ROW_GROUP + 9}: column served is not a finite number`,
    ]);
    expect(metricsRead).toEqual(metricsAsWritten);
    expect(metricsAsWritten.lastTime).toBe(TRACE_ROW_GROUP + 99);
  });

  it('are refused for a file whose footer holds other rows than were checked', async () => {
    const { events } = brokenTrace();
    const other = Buffer.from(events);
    recordCheckedAsWritten(other, { problems: [], rows: 12, lastTime: 11 });
    expect((await scanEventsParquet(other)).problems).toEqual([`events.parquet: its footer says ${TRACE_ROW_GROUP + 100} rows, 12 were written`]);
  });
});
