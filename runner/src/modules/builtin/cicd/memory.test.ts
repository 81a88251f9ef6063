import { describe, expect, it } from 'vitest';
import { FailureMemory, memoryOverrideSchema } from './memory.ts';

const memory = (over: Record<string, unknown> = {}) => new FailureMemory(memoryOverrideSchema.parse(over));

/** A failure that an action then fixed. */
function healed(m: FailureMemory, app: string, t: number): void {
  m.recordAlert(app, t);
  m.recordOutcome(app, t + 30, true, true);
}

describe('the agent memory override', () => {
  it('blocks when recent failures exceed the limit (default 3), counting the current one, per app and within the window', () => {
    const m = memory();
    for (const t of [0, 100, 200]) healed(m, 'stage/api', t);
    expect(m.assess('stage/api', 230)).toMatchObject({ recentFailures: 3, block: undefined });
    expect(m.recordAlert('stage/api', 300)).toBe(true);
    const a = m.assess('stage/api', 300);
    expect(a.recentFailures).toBe(4);
    expect(a.block).toBe('4 failures in the last 600s exceed the limit of 3');
    // Another app has its own memory.
    expect(m.assess('stage/web', 300)).toMatchObject({ recentFailures: 0, instability: 0, block: undefined });
    // The window slides: at 600 the failure at 0 is no longer recent.
    expect(m.assess('stage/api', 600)).toMatchObject({ recentFailures: 3 });
  });

  it('the alerts the monitor repeats while a failure lasts are one failure; after a healthy report or a quiet spell, an alert is a new one', () => {
    const m = memory({ quiet: 180 });
    expect([0, 60, 120, 180, 240, 300].map((t) => m.recordAlert('dev/api', t))).toEqual([true, false, false, false, false, false]);
    expect(m.assess('dev/api', 300).recentFailures).toBe(1);
    // A noop or an action that did not fix it leaves the failure open.
    m.recordOutcome('dev/api', 310, false, false);
    expect(m.recordAlert('dev/api', 360)).toBe(false);
    m.recordOutcome('dev/api', 370, true, true);
    expect(m.recordAlert('dev/api', 380)).toBe(true);
    // More than `quiet` with no alert: it healed on its own and failed again.
    expect(m.recordAlert('dev/api', 561)).toBe(true);
    expect(m.assess('dev/api', 561).recentFailures).toBe(3);
  });

  it('instability: failures weigh 20 and failed recoveries 30, fading linearly over the window; above 60 it blocks', () => {
    const m = memory();
    m.recordAlert('dev/api', 0);
    m.recordOutcome('dev/api', 100, false, true);
    m.recordOutcome('dev/api', 120, true, true);
    m.recordAlert('dev/api', 300);
    // 20 x (1 - 300/600) + 30 x (1 - 200/600) + 20 x 1 = 10 + 20 + 20
    expect(m.assess('dev/api', 300)).toEqual({ recentFailures: 2, instability: 50, block: undefined });
    m.recordOutcome('dev/api', 300, false, true);
    expect(m.assess('dev/api', 300)).toEqual({ recentFailures: 2, instability: 80, block: 'instability score 80 exceeds the limit of 60' });
    // A passive outcome (noop) is no failed recovery.
    m.recordOutcome('dev/api', 300, false, false);
    expect(m.assess('dev/api', 300).instability).toBe(80);
    // Ten minutes of quiet bring it back to zero.
    expect(m.assess('dev/api', 900)).toEqual({ recentFailures: 0, instability: 0, block: undefined });
  });

  it('the score is capped at 100, the limits are configurable, and the memory is bounded per app', () => {
    const m = memory({ maxRecentFailures: 10, maxInstability: 90, capacity: 4 });
    m.recordAlert('prod/web', 0);
    for (let t = 0; t < 8; t++) m.recordOutcome('prod/web', t, false, true);
    const a = m.assess('prod/web', 7);
    expect(a.instability).toBe(100);
    expect(a.block).toBe('instability score 100 exceeds the limit of 90');
    for (let t = 10; t < 16; t++) healed(m, 'prod/web', t * 1000);
    // Only the last 4 entries are remembered.
    expect(m.assess('prod/web', 15000).recentFailures).toBe(1);
    const n = memory({ capacity: 4, window: 100_000 });
    for (let t = 0; t < 6; t++) healed(n, 'prod/web', t * 1000);
    expect(n.assess('prod/web', 6000).recentFailures).toBe(4);
  });

  it('disabled, it reports the score but never blocks', () => {
    const m = memory({ enabled: false });
    for (let t = 0; t < 6; t++) healed(m, 'dev/api', t * 40);
    expect(m.assess('dev/api', 240)).toMatchObject({ recentFailures: 6, block: undefined });
    expect(m.assess('dev/api', 240).instability).toBeGreaterThan(60);
  });
});
