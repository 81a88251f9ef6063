import type { Rng } from '../rng/index.ts';
import { JOE_KUO_ROWS } from './joe-kuo.ts';

// Sobol' low-discrepancy points with Joe and Kuo's direction numbers, in the
// Gray-code order SciPy's `qmc.Sobol` uses (so unscrambled points are SciPy's,
// bit for bit), optionally scrambled the way SciPy scrambles: a random
// lower-triangular binary matrix applied to each dimension's direction
// numbers (linear matrix scrambling, Matoušek 1998) and a random digital
// shift. Scrambling keeps the net property: 2^m points still put exactly one
// point in each interval [k/2^m, (k+1)/2^m) of every dimension.

/** Bits of each coordinate: points up to 2^32 in number. */
const BITS = 32;
const SCALE = 2 ** BITS;
export const MAX_SOBOL_DIMENSIONS = JOE_KUO_ROWS.length + 1;

/** Direction numbers v_1..v_32 of dimension `d` (0-based), each a 32-bit integer whose top bit is the first binary digit. */
function directionNumbers(d: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (d === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const row = JOE_KUO_ROWS[d - 1];
  if (row === undefined) throw new RangeError(`Sobol' sequence: dimension ${d + 1} is beyond the ${MAX_SOBOL_DIMENSIONS} this build has direction numbers for`);
  const [s, a, ...m] = row as [number, number, ...number[]];
  for (let k = 0; k < s && k < BITS; k++) v[k] = (m[k]! * 2 ** (BITS - 1 - k)) >>> 0;
  for (let k = s; k < BITS; k++) {
    let x = (v[k - s]! ^ (v[k - s]! >>> s)) >>> 0;
    for (let j = 1; j < s; j++) if (((a >>> (s - 1 - j)) & 1) === 1) x = (x ^ v[k - j]!) >>> 0;
    v[k] = x;
  }
  return v;
}

/** The 32-bit word `x` multiplied by the lower-triangular binary matrix whose rows are `rows` (row r: the digits mixed into digit r, top bit first). */
function applyLowerTriangular(x: number, rows: Uint32Array): number {
  let out = 0;
  for (let r = 0; r < BITS; r++) {
    let bits = (x & rows[r]!) >>> 0;
    // Parity of the selected digits.
    bits ^= bits >>> 16;
    bits ^= bits >>> 8;
    bits ^= bits >>> 4;
    bits ^= bits >>> 2;
    bits ^= bits >>> 1;
    if ((bits & 1) === 1) out = (out | (2 ** (BITS - 1 - r))) >>> 0;
  }
  return out;
}

/** A random nonsingular lower-triangular binary matrix: digit r keeps itself and mixes in random earlier (more significant) digits. */
function randomLowerTriangular(rng: Rng): Uint32Array {
  const rows = new Uint32Array(BITS);
  for (let r = 0; r < BITS; r++) {
    let row = 2 ** (BITS - 1 - r);
    for (let c = 0; c < r; c++) if (rng.next() < 0.5) row += 2 ** (BITS - 1 - c);
    rows[r] = row >>> 0;
  }
  return rows;
}

function randomWord(rng: Rng): number {
  return (rng.int(0x10000) * 0x10000 + rng.int(0x10000)) >>> 0;
}

/**
 * The first `n` points of the `dimensions`-dimensional Sobol' sequence, each
 * an array of coordinates in [0, 1). With `scramble`, the random matrices
 * and shifts are drawn from it, dimension by dimension.
 */
export function sobolPoints(n: number, dimensions: number, scramble?: Rng): number[][] {
  if (dimensions > MAX_SOBOL_DIMENSIONS) throw new RangeError(`Sobol' sequence: at most ${MAX_SOBOL_DIMENSIONS} dimensions, asked for ${dimensions}`);
  if (n > SCALE) throw new RangeError(`Sobol' sequence: at most 2^${BITS} points`);
  const directions: Uint32Array[] = [];
  const shifts: number[] = [];
  for (let d = 0; d < dimensions; d++) {
    let v = directionNumbers(d);
    let shift = 0;
    if (scramble) {
      const rows = randomLowerTriangular(scramble);
      v = v.map((x) => applyLowerTriangular(x, rows));
      shift = randomWord(scramble);
    }
    directions.push(v);
    shifts.push(shift);
  }
  const state = shifts.slice();
  const points: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      // Gray-code order: point i flips the direction number of the lowest zero bit of i - 1.
      let c = 0;
      for (let rest = i - 1; (rest & 1) === 1; rest = Math.floor(rest / 2)) c++;
      for (let d = 0; d < dimensions; d++) state[d] = (state[d]! ^ directions[d]![c]!) >>> 0;
    }
    points.push(state.map((x) => x / SCALE));
  }
  return points;
}
