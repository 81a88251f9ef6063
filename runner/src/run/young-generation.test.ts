import { describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_FLAG, youngGenerationSet } from './young-generation.ts';

describe('the young generation flag', () => {
  it('is seen on the command line or in NODE_OPTIONS, in either spelling, and not in other flags', () => {
    expect(youngGenerationSet([YOUNG_GENERATION_FLAG], undefined)).toBe(true);
    expect(youngGenerationSet([], '--enable-source-maps --max_semi_space_size=8')).toBe(true);
    expect(youngGenerationSet(['--max-old-space-size=512'], '--max-semi-space-sizes')).toBe(false);
    expect(youngGenerationSet(['--inspect'], '')).toBe(false);
    expect(youngGenerationSet([], undefined)).toBe(false);
  });
});
