// Sets of run indexes as sorted, disjoint, non-adjacent inclusive intervals:
// the shape Kubernetes uses for Job status.completedIndexes/failedIndexes
// ("0-99,120"), which keeps status small whatever the sweep size.

export type Interval = readonly [start: number, end: number];
export type Intervals = readonly Interval[];

/** Parses `0-99,120` (Job status format). Throws on anything else. */
export function parseIntervals(text: string | undefined): Intervals {
  if (text === undefined || text.trim() === '') return [];
  const out: Interval[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (m === null) throw new Error(`not an interval list: ${JSON.stringify(text)}`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (end < start) throw new Error(`interval ${part} ends before it starts`);
    out.push([start, end]);
  }
  return normalise(out);
}

/** Sorts, merges overlapping and adjacent intervals. */
export function normalise(list: readonly Interval[]): Intervals {
  const sorted = [...list].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export function fromIndexes(indexes: Iterable<number>): Intervals {
  return normalise([...indexes].map((i): Interval => [i, i]));
}

export function count(set: Intervals): number {
  return set.reduce((n, [s, e]) => n + e - s + 1, 0);
}

export function contains(set: Intervals, i: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = set[mid]!;
    if (i < s) hi = mid - 1;
    else if (i > e) lo = mid + 1;
    else return true;
  }
  return false;
}

export function union(a: Intervals, b: Intervals): Intervals {
  return normalise([...a, ...b]);
}

/** Indexes in both `a` and `b`. */
export function intersection(a: Intervals, b: Intervals): Intervals {
  return difference(a, difference(a, b));
}

/** Indexes in `a` and not in `b`. */
export function difference(a: Intervals, b: Intervals): Intervals {
  const out: Interval[] = [];
  let j = 0;
  for (const [s0, e] of a) {
    let s = s0;
    while (j < b.length && b[j]![1] < s) j++;
    let k = j;
    while (s <= e) {
      const cut = b[k];
      if (cut === undefined || cut[0] > e) {
        out.push([s, e]);
        break;
      }
      if (cut[0] > s) out.push([s, cut[0] - 1]);
      s = Math.max(s, cut[1] + 1);
      k++;
    }
  }
  return out;
}

/**
 * `0-99,120`. With maxLength, whole intervals are kept while they fit and
 * the rest is summarised as `,...+N` (N more indexes), so status stays bounded.
 */
export function formatIntervals(set: Intervals, maxLength = Infinity): string {
  let out = '';
  for (let i = 0; i < set.length; i++) {
    const [s, e] = set[i]!;
    const part = s === e ? `${s}` : `${s}-${e}`;
    const next = out === '' ? part : `${out},${part}`;
    if (next.length > maxLength) {
      const rest = count(set.slice(i));
      return `${out}${out === '' ? '' : ','}...+${rest}`;
    }
    out = next;
  }
  return out;
}

/** Every index moved up by `offset`: a part Job's local indexes as global run indexes. */
export function shift(set: Intervals, offset: number): Intervals {
  return set.map(([s, e]): Interval => [s + offset, e + offset]);
}
