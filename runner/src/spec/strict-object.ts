import { z } from 'zod';

// Objects of the Experiment (and of module configs) refuse keys they do not
// know: a typo such as `gird:` for `grid:` must not silently fall back to a
// default. The message lists the valid keys, and names the closest one.

/** Levenshtein distance, small strings only. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The valid key a typo most likely meant: same letters ignoring case, or at most 2 edits (1 for keys of 2-3 letters, none for one letter). */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const same = valid.find((v) => v.toLowerCase() === lower);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const v of valid) {
    const d = distance(lower, v.toLowerCase());
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  const shortest = Math.min(key.length, best?.length ?? 0);
  const allowed = shortest <= 1 ? 0 : shortest <= 3 ? 1 : 2;
  return bestDistance <= allowed ? best : undefined;
}

/**
 * "unknown key gird; valid keys: seeds, grid, points, maxRuns; did you mean grid?"
 * A key in `renamed` gets "n was renamed to size" instead.
 */
export function unknownKeysMessage(keys: readonly string[], valid: readonly string[], renamed: Readonly<Record<string, string>> = {}): string {
  const parts: string[] = [];
  const unknown = keys.filter((k) => !Object.hasOwn(renamed, k));
  for (const k of keys) if (Object.hasOwn(renamed, k)) parts.push(`${k} was renamed to ${renamed[k]!}`);
  if (unknown.length > 0) parts.push(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  parts.push(`valid keys: ${valid.join(', ')}`);
  const guesses = unknown.map((k) => [k, closestKey(k, valid)] as const).filter(([, g]) => g !== undefined);
  if (guesses.length > 0) parts.push(guesses.map(([k, g]) => `did you mean ${g!}${unknown.length > 1 ? ` for ${k}` : ''}?`).join(' '));
  return parts.join('; ');
}

/** z.strictObject whose unknown-key error lists the valid keys (and the new name of a renamed key). */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S, renamed: Readonly<Record<string, string>> = {}) {
  const valid = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, valid, renamed) : undefined),
  });
}
