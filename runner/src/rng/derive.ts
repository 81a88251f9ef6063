import { createHash } from 'node:crypto';

/**
 * Derives an independent seed from an ordered list of identifiers by hashing,
 * so that streams for (seed, module, entity) never overlap or correlate the
 * way `base + i` seeds do, and adding one module never shifts another's draws.
 */
export function deriveSeed(...parts: ReadonlyArray<string | number>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    // Length-prefix each part so ('ab','c') and ('a','bc') hash differently.
    const s = String(p);
    h.update(`${s.length}:${s};`);
  }
  return h.digest('hex');
}

/** A 32-bit unsigned integer seed derived by hashing; used for per-replica run seeds. */
export function deriveUint32(...parts: ReadonlyArray<string | number>): number {
  return Number.parseInt(deriveSeed(...parts).slice(0, 8), 16) >>> 0;
}
