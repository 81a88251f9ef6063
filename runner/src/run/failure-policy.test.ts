import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.ts';
import { codeForExitStatus, exitStatusPolicy } from './failure-policy.ts';

describe('failure policy by exit status', () => {
  it('splits the table\'s exit statuses by retryable, each once', () => {
    const { fail, retry } = exitStatusPolicy();
    for (const spec of Object.values(ErrorCodes)) expect(spec.retryable ? retry : fail).toContain(spec.exit);
    expect(fail.filter((x) => retry.includes(x))).toEqual([]);
    // A store outage and an output conflict no longer share an exit status with a policy they disagree with.
    expect(retry).toContain(ErrorCodes.STORE_ERROR.exit);
    expect(fail).toContain(ErrorCodes.OUTPUT_CONFLICT.exit);
    expect(fail).toContain(ErrorCodes.STORE_UNAVAILABLE.exit);
  });

  it('refuses a table where one exit status would need two policies', () => {
    expect(() => exitStatusPolicy({ A: { exit: 2, retryable: false }, B: { exit: 2, retryable: true } })).toThrow(/exit status 2 is shared by A .* and B/);
  });

  it('names the code of an exit status only when one code has it', () => {
    expect(codeForExitStatus(3)).toBe('INVALID_OUTPUT');
    expect(codeForExitStatus(2)).toBeUndefined();
    expect(codeForExitStatus(143)).toBeUndefined();
  });
});
