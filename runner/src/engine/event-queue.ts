/**
 * A binary min-heap ordered by (time, priority, seq). `seq` is the insertion
 * sequence, unique per queue, so the order is total and never depends on the
 * heap's internal layout: equal (time, priority) run first-in, first-out.
 */
export interface Ordered {
  readonly time: number;
  readonly priority: number;
  readonly seq: number;
}

function before(a: Ordered, b: Ordered): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}

export class EventQueue<T extends Ordered> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  push(item: T): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as T;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = heap[l] as T;
      if (r < n) {
        const right = heap[r] as T;
        if (before(right, child)) {
          c = r;
          child = right;
        }
      }
      if (!before(child, last)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}
