import type { Rng } from '../rng/index.ts';
import { resampleIndices, withInterval, type Estimate } from './bootstrap.ts';

// Sobol' indices from the outputs of a Saltelli design (designs/saltelli.ts
// row order): first order by Saltelli et al. (2010), total order by Jansen
// (1999) as Saltelli et al. (2010) give it, second order by Saltelli (2002),
// each divided by the variance of the A and B outputs. The outputs are
// standardised first (minus their mean, over their standard deviation), as
// SALib does: the first-order estimator is not invariant to a shift of the
// output, and centring lowers its error. Intervals: bootstrap over the base
// samples.

export interface SobolResult {
  readonly first: readonly Estimate[];
  readonly total: readonly Estimate[];
  /** Pairs (j, k), j < k, with second order only. */
  readonly second: readonly { readonly pair: readonly [number, number]; readonly estimate: Estimate }[];
}

interface Matrices {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly ab: readonly Float64Array[];
  readonly ba: readonly Float64Array[];
}

/** Splits Saltelli-ordered outputs of `groups` base samples into A, B, AB_j and BA_j. */
function split(y: readonly number[], parameters: number, secondOrder: boolean): Matrices {
  const step = secondOrder ? 2 * parameters + 2 : parameters + 2;
  const n = y.length / step;
  const column = (offset: number): Float64Array => Float64Array.from({ length: n }, (_, i) => y[i * step + offset]!);
  return {
    a: column(0),
    b: column(step - 1),
    ab: Array.from({ length: parameters }, (_, j) => column(1 + j)),
    ba: secondOrder ? Array.from({ length: parameters }, (_, j) => column(1 + parameters + j)) : [],
  };
}

/** The sums the estimators need over the rows `rows` (all rows when undefined). */
class Estimators {
  readonly #m: Matrices;
  readonly #rows: ArrayLike<number>;
  readonly variance: number;

  constructor(m: Matrices, rows?: ArrayLike<number>) {
    this.#m = m;
    this.#rows = rows ?? Int32Array.from({ length: m.a.length }, (_, i) => i);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < this.#rows.length; i++) {
      const r = this.#rows[i]!;
      sum += m.a[r]! + m.b[r]!;
      sumSq += m.a[r]! ** 2 + m.b[r]! ** 2;
    }
    const count = 2 * this.#rows.length;
    const mean = sum / count;
    this.variance = Math.max(0, sumSq / count - mean * mean);
  }

  #mean(term: (r: number) => number): number {
    let s = 0;
    for (let i = 0; i < this.#rows.length; i++) s += term(this.#rows[i]!);
    return s / this.#rows.length;
  }

  #ratio(v: number): number | null {
    return this.variance > Number.EPSILON ? v / this.variance : null;
  }

  first(j: number): number | null {
    const { a, b, ab } = this.#m;
    const abj = ab[j]!;
    return this.#ratio(this.#mean((r) => b[r]! * (abj[r]! - a[r]!)));
  }

  total(j: number): number | null {
    const { a, ab } = this.#m;
    const abj = ab[j]!;
    return this.#ratio(0.5 * this.#mean((r) => (a[r]! - abj[r]!) ** 2));
  }

  second(j: number, k: number): number | null {
    const { a, b, ab, ba } = this.#m;
    const baj = ba[j]!;
    const abk = ab[k]!;
    const vjk = this.#ratio(this.#mean((r) => baj[r]! * abk[r]! - a[r]! * b[r]!));
    const sj = this.first(j);
    const sk = this.first(k);
    return vjk === null || sj === null || sk === null ? null : vjk - sj - sk;
  }
}

/** (y - mean) / sd over every output; unchanged when they are all equal. */
function standardise(y: readonly number[]): number[] {
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  const sd = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length);
  return sd > 0 ? y.map((v) => (v - mean) / sd) : y.slice();
}

/**
 * Sobol' indices of each parameter from outputs `y` in Saltelli order (a
 * whole number of base-sample groups), with `resamples` bootstrap resamples
 * of the groups drawn from `rng` for the `confidence` intervals.
 */
export function sobolIndices(y: readonly number[], parameters: number, secondOrder: boolean, opts: { readonly resamples: number; readonly confidence: number; readonly rng: Rng }): SobolResult {
  const m = split(standardise(y), parameters, secondOrder);
  const whole = new Estimators(m);
  const boots = resampleIndices(m.a.length, opts.resamples, opts.rng).map((rows) => new Estimators(m, rows));
  const each = (f: (e: Estimators) => number | null): Estimate => withInterval(f(whole), boots.map(f), opts.confidence);
  const pairs: [number, number][] = [];
  if (secondOrder) for (let j = 0; j < parameters; j++) for (let k = j + 1; k < parameters; k++) pairs.push([j, k]);
  return {
    first: Array.from({ length: parameters }, (_, j) => each((e) => e.first(j))),
    total: Array.from({ length: parameters }, (_, j) => each((e) => e.total(j))),
    second: pairs.map((pair) => ({ pair, estimate: each((e) => e.second(pair[0], pair[1])) })),
  };
}
