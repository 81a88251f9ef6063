import { describe, expect, it } from 'vitest';
import { SwarmlabError } from '../errors.ts';
import { failureOf, formatFailureRecord, parseFailureRecord, TERMINATION_MESSAGE_MAX_BYTES } from './failure-record.ts';

describe('failure record', () => {
  it('takes code, path and message (without the code) from a SwarmlabError; anything else is RUN_FAILED', () => {
    const e = new SwarmlabError('INVALID_MODULE_CONFIG', 'must be at most 50', { path: 'spec.scenario.modules[1].config.seedSet', hint: 'lower it' });
    expect(failureOf(e, 7, 'pod-x')).toEqual({ index: 7, code: 'INVALID_MODULE_CONFIG', message: 'spec.scenario.modules[1].config.seedSet: must be at most 50 (lower it)', path: 'spec.scenario.modules[1].config.seedSet', attempt: 'pod-x' });
    expect(failureOf(new TypeError('x is undefined'), 1)).toEqual({ index: 1, code: 'RUN_FAILED', message: 'TypeError: x is undefined' });
  });

  it('fits a termination message (4096 bytes) whole, shortening a long message, so it stays JSON', () => {
    const text = formatFailureRecord('run-000001', { index: 1, code: 'RUN_FAILED', message: `${'"é\u0001'.repeat(3000)}end` });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_MAX_BYTES);
    const back = parseFailureRecord(text);
    expect(back).toMatchObject({ schema_version: expect.any(String), run_id: 'run-000001', index: 1, code: 'RUN_FAILED' });
    expect(back?.message.endsWith('…')).toBe(true);
  });

  it('is not fooled by log text', () => {
    expect(parseFailureRecord('swarmlab: INVALID_OUTPUT: x')).toBeUndefined();
    expect(parseFailureRecord('{"code":"RUN_FAILED"}')).toBeUndefined();
  });
});
