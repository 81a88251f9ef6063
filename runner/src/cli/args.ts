import { SwarmlabError } from '../errors.ts';

// Whole-number options and environment values, rejected with USAGE and the name of what was wrong.

function wholeNumberAtLeast(min: number) {
  return (name: string) =>
    (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new SwarmlabError('USAGE', `${name} must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
      return n;
    };
}

export const positiveInt = wholeNumberAtLeast(1);
export const nonNegativeInt = wholeNumberAtLeast(0);
