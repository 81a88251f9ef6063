import { SwarmlabError } from '../errors.ts';

// Whole-number options and environment values, rejected with USAGE and the name of what was wrong.

export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new SwarmlabError('USAGE', `${name} must be a whole number >= 1, got ${JSON.stringify(v)}`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new SwarmlabError('USAGE', `${name} must be a whole number >= 0, got ${JSON.stringify(v)}`);
    return n;
  };
}
