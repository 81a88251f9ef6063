// Test functions of sensitivity analysis whose indices are known in closed
// form, so an estimator can be checked against the truth rather than
// against another estimator. Inputs are named x1, x2, ... in order.

/** Ishigami and Homma (1990): sin x1 + a sin² x2 + b x3⁴ sin x1, each x uniform on [-π, π]. */
export function ishigami(x: readonly number[], a: number, b: number): number {
  const [x1, x2, x3] = x as [number, number, number];
  return Math.sin(x1) + a * Math.sin(x2) ** 2 + b * x3 ** 4 * Math.sin(x1);
}

/** Sobol's g-function: ∏ (|4 x_i - 2| + a_i) / (1 + a_i), each x uniform on [0, 1]; a small a_i makes x_i important. */
export function gFunction(x: readonly number[], coefficients: readonly number[]): number {
  return coefficients.reduce((product, a, i) => product * ((Math.abs(4 * x[i]! - 2) + a) / (1 + a)), 1);
}

export interface KnownIndices {
  /** First-order index of each input. */
  readonly first: readonly number[];
  /** Total-order index of each input. */
  readonly total: readonly number[];
}

/** The Ishigami function's indices, from its variance decomposition (V1, V2, V13 of Ishigami and Homma). */
export function ishigamiIndices(a: number, b: number): KnownIndices {
  const pi4 = Math.PI ** 4;
  const pi8 = Math.PI ** 8;
  const v1 = 0.5 + (b * pi4) / 5 + (b ** 2 * pi8) / 50;
  const v2 = a ** 2 / 8;
  const v13 = (8 * b ** 2 * pi8) / 225;
  const v = v1 + v2 + v13;
  return { first: [v1 / v, v2 / v, 0], total: [(v1 + v13) / v, v2 / v, v13 / v] };
}

/** The g-function's indices: V_i = 1 / (3 (1 + a_i)²), V = ∏ (1 + V_i) - 1. */
export function gFunctionIndices(coefficients: readonly number[]): KnownIndices {
  const partial = coefficients.map((a) => 1 / (3 * (1 + a) ** 2));
  const whole = partial.reduce((p, vi) => p * (1 + vi), 1);
  const v = whole - 1;
  return { first: partial.map((vi) => vi / v), total: partial.map((vi) => (vi * whole) / (1 + vi) / v) };
}
