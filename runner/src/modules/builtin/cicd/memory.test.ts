import { describe, expect, it } from 'vitest';
import { FailureMemory, memoryOverrideSchema } from './memory.ts';

const memory = (over: Record<string, unknown> = {}) => new FailureMemory(memoryOverrideSchema.parse(over));

describe('the agent memory override', () => {
  it('blocks when recent failures exceed the limit (default 3), counting the current one, per app and within the window', () => {
    const m = memory();
    for (const t of [0, 100, 200]) m.recordFailure('stage/api', t);
    expect(m.assess('stage/api', 200)).toMatchObject({ recentFailures: 3, block: undefined });
    m.recordFailure('stage/api', 300);
    const a = m.assess('stage/api', 300);
    expect(a.recentFailures).toBe(4);
    expect(a.block).toBe('4 failures in the last 600s exceed the limit of 3');
    // Another app has its own memory.
    expect(m.assess('stage/web', 300)).toMatchObject({ recentFailures: 0, instability: 0, block: undefined });
    // The window slides: at 600 the failure at 0 is no longer recent.
    expect(m.assess('stage/api', 600)).toMatchObject({ recentFailures: 3 });
  });

  it('instability: failures weigh 20 and failed recoveries 30, fading linearly over the window; above 60 it blocks', () => {
    const m = memory();
    m.recordFailure('dev/api', 0);
    m.recordFailedRecovery('dev/api', 100);
    m.recordFailure('dev/api', 300);
    // 20 x (1 - 300/600) + 30 x (1 - 200/600) + 20 x 1 = 10 + 20 + 20
    expect(m.assess('dev/api', 300)).toEqual({ recentFailures: 2, instability: 50, block: undefined });
    m.recordFailedRecovery('dev/api', 300);
    expect(m.assess('dev/api', 300)).toEqual({ recentFailures: 2, instability: 80, block: 'instability score 80 exceeds the limit of 60' });
    // Ten minutes of quiet bring it back to zero.
    expect(m.assess('dev/api', 900)).toEqual({ recentFailures: 0, instability: 0, block: undefined });
  });

  it('the score is capped at 100, the limits are configurable, and the memory is bounded per app', () => {
    const m = memory({ maxRecentFailures: 10, maxInstability: 90, capacity: 4 });
    for (let t = 0; t < 8; t++) m.recordFailedRecovery('prod/web', t);
    const a = m.assess('prod/web', 7);
    expect(a.instability).toBe(100);
    expect(a.block).toBe('instability score 100 exceeds the limit of 90');
    for (let t = 10; t < 16; t++) m.recordFailure('prod/web', t);
    // Only the last 4 entries are remembered.
    expect(m.assess('prod/web', 16).recentFailures).toBe(4);
  });

  it('disabled, it reports the score but never blocks', () => {
    const m = memory({ enabled: false });
    for (let t = 0; t < 6; t++) m.recordFailure('dev/api', t);
    expect(m.assess('dev/api', 6)).toMatchObject({ recentFailures: 6, block: undefined });
    expect(m.assess('dev/api', 6).instability).toBeGreaterThan(60);
  });
});
