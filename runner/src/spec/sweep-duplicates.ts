// Repeats in a sweep. A grid naming one parameter on two axes is an error (the
// second axis would silently overwrite the first in every point). A seed or a
// grid value given twice is allowed, but each repeat re-runs identical points,
// so it is reported as a warning.

export interface SpecWarning {
  /** Field path of the repeat, e.g. `spec.sweep.seeds.list[3]`. */
  readonly path: string;
  readonly message: string;
}

type Value = number | string | boolean;

interface SweepShape {
  readonly seeds: { readonly list?: readonly number[] | undefined };
  readonly grid: readonly { readonly param: string; readonly values: readonly Value[] }[];
}

/** For each repeat in `items`, its index and the index of its first occurrence. */
function repeats<T>(items: readonly T[], key: (item: T) => string): { index: number; first: number }[] {
  const seen = new Map<string, number>();
  const out: { index: number; first: number }[] = [];
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else out.push({ index, first });
  });
  return out;
}

const valueKey = (v: Value): string => `${typeof v}:${String(v)}`;

/** Grid axes that name a parameter an earlier axis already sweeps (axis index, first axis index, parameter). */
export function repeatedGridParams(grid: SweepShape['grid']): { index: number; first: number; param: string }[] {
  return repeats(grid, (a) => a.param).map((r) => ({ ...r, param: grid[r.index]!.param }));
}

/** Warnings for seeds and grid values given more than once. */
export function sweepDuplicateWarnings(sweep: SweepShape): SpecWarning[] {
  const warnings: SpecWarning[] = [];
  const list = sweep.seeds.list ?? [];
  for (const r of repeats(list, String)) {
    warnings.push({
      path: `spec.sweep.seeds.list[${r.index}]`,
      message: `seed ${list[r.index]!} is also at seeds.list[${r.first}]: its runs repeat identical ones`,
    });
  }
  sweep.grid.forEach((axis, a) => {
    for (const r of repeats(axis.values, valueKey)) {
      warnings.push({
        path: `spec.sweep.grid[${a}].values[${r.index}]`,
        message: `value ${JSON.stringify(axis.values[r.index])} of ${axis.param} is also at values[${r.first}]: its runs repeat identical ones`,
      });
    }
  });
  return warnings;
}
