import { describe, expect, it } from 'vitest';
import { stateLayout, traceBlock, traceNumber } from './console-trace.ts';

describe('console trace', () => {
  const layout = stateLayout(['infra.power.stress', 'infra.level', 'coordinator.pool', 'infra.failedNow']);

  it('groups the metrics by instance, in column order', () => {
    expect(layout.instances.map((i) => [i.instance, i.keys.map((k) => `${k.key}@${k.column}`)])).toEqual([
      ['infra', ['power.stress@0', 'level@1', 'failedNow@3']],
      ['coordinator', ['pool@2']],
    ]);
  });

  it('prints the event\'s time, type, source and target, then every instance\'s state after it', () => {
    const block = traceBlock({ time: 18.25, seq: 141, priority: 0, type: 'health.changed', source: 'infra', target: 'infra', payload: { service: 'power', to: 'failed' } }, [1.9412345678, 1, 6, 1], layout);
    expect(block).toBe(
      't=18.25 #141 health.changed from infra to infra {"service":"power","to":"failed"}\n' +
        '  infra        power.stress=1.94123 level=1 failedNow=1\n' +
        '  coordinator  pool=6\n',
    );
  });

  it('prints integers whole and other numbers to six significant digits', () => {
    expect(traceNumber(3)).toBe('3');
    expect(traceNumber(0.1 + 0.2)).toBe('0.3');
    expect(traceNumber(123456.789)).toBe('123457');
  });
});
