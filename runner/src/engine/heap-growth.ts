import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection on demand: V8 offers one only behind --expose-gc, which,
// set at run time, gives `gc` to the contexts made after it.
setFlagsFromString('--expose-gc');

/** A full, synchronous garbage collection of this thread's heap; undefined where V8 gives none. */
export const collectGarbage = runInNewContext('gc') as (() => void) | undefined;

/** The least growth that calls for a collection. */
const MIN_GROWTH = 32 << 20;

/** The heap in use and the memory outside it that its objects hold (buffers). */
function used(): number {
  const s = getHeapStatistics();
  return s.used_heap_size + s.external_memory;
}

/**
 * Collects once the heap, with the buffers its objects hold outside it, has
 * grown by half its live size (32 MB at least) since it last did. A long run
 * makes objects that outlive a few young-generation collections (a trace's
 * row group, a model's queue) and die later in the old generation, which V8
 * let grow to three times its live size before collecting it: 37 to 117 MB
 * in a 10-million-event run, pages that then stay resident. Each collection
 * marks the live heap L and comes after L/2 of growth at least, so what it
 * costs per byte allocated does not grow with the live heap.
 */
export class HeapGrowth {
  #live = -1;

  /** Whether it collected. The first call only takes the heap's size. */
  collectIfGrown(): boolean {
    if (collectGarbage === undefined) return false;
    const now = used();
    if (this.#live < 0) this.#live = now;
    if (now - this.#live < Math.max(MIN_GROWTH, this.#live / 2)) return false;
    collectGarbage();
    this.#live = used();
    return true;
  }
}

/** This thread's: what a run, and reading a long trace back, call as they go. */
export const heapGrowth = new HeapGrowth();
