import type { DesignParameter, ParamValue } from '../spec/experiment.ts';

/**
 * A parameter's value at coordinate `u` of [0, 1] (its quantile): uniform
 * and log-uniform scale the range, integer and categorical cut it into
 * equal slices (u = 1, a Morris grid's top level, is the last slice).
 */
export function valueAt(p: DesignParameter, u: number): ParamValue {
  if (p.distribution === 'categorical') {
    const values = p.values!;
    return values[Math.min(Math.floor(u * values.length), values.length - 1)]!;
  }
  const min = p.min!;
  const max = p.max!;
  if (p.distribution === 'integer') return min + Math.min(Math.floor(u * (max - min + 1)), max - min);
  // The ends exactly, not exp(log(x)) one rounding away from them.
  if (p.distribution === 'log-uniform') return u <= 0 ? min : u >= 1 ? max : Math.min(max, Math.max(min, Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)))));
  // Exact at both ends (min + u (max - min) can miss max by a rounding).
  return (1 - u) * min + u * max;
}
