// Saltelli's sampling scheme for Sobol' indices, in SALib's row order (so
// SALib's analyser reads swarmlab's outputs as they are): from a base
// sequence of 2D dimensions, A is the first D columns and B the last D; each
// base sample i gives the rows A_i, AB_i^1..AB_i^D (A with column j from B),
// with second order BA_i^1..BA_i^D (B with column j from A), then B_i.

/** Rows each base sample gives. */
export function saltelliGroupSize(parameters: number, secondOrder: boolean): number {
  return secondOrder ? 2 * parameters + 2 : parameters + 2;
}

/** The Saltelli matrix from a base sequence of rows of 2 x parameters coordinates. */
export function saltelliRows(base: readonly (readonly number[])[], parameters: number, secondOrder: boolean): number[][] {
  const rows: number[][] = [];
  for (const point of base) {
    const a = point.slice(0, parameters);
    const b = point.slice(parameters, 2 * parameters);
    rows.push(a);
    for (let j = 0; j < parameters; j++) rows.push(a.map((x, k) => (k === j ? b[k]! : x)));
    if (secondOrder) for (let j = 0; j < parameters; j++) rows.push(b.map((x, k) => (k === j ? a[k]! : x)));
    rows.push(b);
  }
  return rows;
}
