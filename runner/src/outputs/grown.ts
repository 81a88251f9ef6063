/** `a`'s elements at the start of a new array of the same type, of `capacity` elements: the trace writer's arrays as a run outgrows them. */
export function grown<T extends Float64Array | Uint32Array | Uint8Array>(a: T, capacity: number): T {
  const out = new (a.constructor as new (n: number) => T)(capacity);
  out.set(a);
  return out;
}
