/**
 * The seqs seen in an event log, to find a duplicate. A run's seqs are
 * insertion numbers from 0, so a bitset (a bit per seq up to the largest)
 * holds ten million of them in about a megabyte where a Set took hundreds;
 * a seq far past any run's length goes to a Set instead.
 */
export class SeqSet {
  static readonly #BITSET_LIMIT = 2 ** 28;
  #bits = new Uint32Array(1024);
  readonly #far = new Set<number>();

  /** Adds seq (a non-negative safe integer); false when it was already there. */
  add(seq: number): boolean {
    if (seq >= SeqSet.#BITSET_LIMIT) {
      if (this.#far.has(seq)) return false;
      this.#far.add(seq);
      return true;
    }
    const word = seq >>> 5;
    if (word >= this.#bits.length) {
      const grown = new Uint32Array(Math.max(this.#bits.length * 2, word + 1));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const bit = 1 << (seq & 31);
    const had = ((this.#bits[word] as number) & bit) !== 0;
    this.#bits[word] = (this.#bits[word] as number) | bit;
    return !had;
  }
}
