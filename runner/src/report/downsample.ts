/** A value at a logical time. */
export interface TimedValue {
  readonly time: number;
  readonly value: number;
}

/**
 * Reduces a series in time order to what a figure a few hundred pixels wide
 * can show: the time range is cut into `buckets` equal spans and each span
 * keeps its lowest and highest value, in the order they occurred, so that
 * spikes survive. The first and last values are always kept. At most
 * 2·buckets + 2 values come out, whatever went in; a series that short
 * already comes out unchanged.
 *
 * Values are held as numbers, not objects: a trace's columns pass through
 * here a million values at a time.
 */
export class Downsampler {
  readonly #buckets: number;
  readonly #start: number;
  readonly #span: number;
  readonly #out: TimedValue[] = [];
  #count = 0;
  #bucket = -1;
  #firstTime = 0;
  #firstValue = 0;
  #lastTime = 0;
  #lastValue = 0;
  /** Index of the bucket's lowest (highest) value among those pushed; -1 for none, so that one value that is both is kept once. */
  #lowAt = -1;
  #lowTime = 0;
  #lowValue = 0;
  #highAt = -1;
  #highTime = 0;
  #highValue = 0;

  constructor(buckets: number, startTime: number, endTime: number) {
    this.#buckets = buckets;
    this.#start = startTime;
    this.#span = Math.max(endTime - startTime, Number.MIN_VALUE);
  }

  push(time: number, value: number): void {
    const n = this.#count++;
    if (n === 0) {
      this.#firstTime = time;
      this.#firstValue = value;
      return;
    }
    if (n > 1) this.#take(n - 1, this.#lastTime, this.#lastValue);
    this.#lastTime = time;
    this.#lastValue = value;
  }

  /**
   * Pushes `values[i]` at `times[i]` for i in [0, length): what push() does
   * value by value, with the state in locals (a report reads every row of
   * its runs' traces through here: ten million values for one long run).
   */
  pushColumn(times: ArrayLike<number>, values: ArrayLike<number>, length: number): void {
    // The first two values go through push(): the first is kept apart, the second is the first held back.
    let i = 0;
    for (; i < length && this.#count < 2; i++) this.push(times[i] as number, values[i] as number);
    if (i >= length) return;
    const buckets = this.#buckets;
    const start = this.#start;
    const span = this.#span;
    let at = this.#count - 1;
    let time = this.#lastTime;
    let value = this.#lastValue;
    let bucket = this.#bucket;
    let [lowAt, lowTime, lowValue] = [this.#lowAt, this.#lowTime, this.#lowValue];
    let [highAt, highTime, highValue] = [this.#highAt, this.#highTime, this.#highValue];
    for (; i < length; i++, at++) {
      // The value held back so far is taken (as #take does); the new one is held back.
      const b = Math.min(buckets - 1, Math.floor(((time - start) / span) * buckets));
      if (b !== bucket) {
        this.#setExtremes(lowAt, lowTime, lowValue, highAt, highTime, highValue);
        this.#flush();
        lowAt = -1;
        highAt = -1;
        bucket = b;
      }
      if (lowAt < 0 || value < lowValue) {
        lowAt = at;
        lowTime = time;
        lowValue = value;
      }
      if (highAt < 0 || value > highValue) {
        highAt = at;
        highTime = time;
        highValue = value;
      }
      time = times[i] as number;
      value = values[i] as number;
    }
    this.#count = at + 1;
    this.#lastTime = time;
    this.#lastValue = value;
    this.#bucket = bucket;
    this.#setExtremes(lowAt, lowTime, lowValue, highAt, highTime, highValue);
  }

  #setExtremes(lowAt: number, lowTime: number, lowValue: number, highAt: number, highTime: number, highValue: number): void {
    this.#lowAt = lowAt;
    this.#lowTime = lowTime;
    this.#lowValue = lowValue;
    this.#highAt = highAt;
    this.#highTime = highTime;
    this.#highValue = highValue;
  }

  #take(at: number, time: number, value: number): void {
    const bucket = Math.min(this.#buckets - 1, Math.floor(((time - this.#start) / this.#span) * this.#buckets));
    if (bucket !== this.#bucket) {
      this.#flush();
      this.#bucket = bucket;
    }
    if (this.#lowAt < 0 || value < this.#lowValue) {
      this.#lowAt = at;
      this.#lowTime = time;
      this.#lowValue = value;
    }
    if (this.#highAt < 0 || value > this.#highValue) {
      this.#highAt = at;
      this.#highTime = time;
      this.#highValue = value;
    }
  }

  #flush(): void {
    if (this.#lowAt >= 0 && this.#highAt >= 0) {
      const low = { time: this.#lowTime, value: this.#lowValue };
      const high = { time: this.#highTime, value: this.#highValue };
      if (this.#lowAt === this.#highAt) this.#out.push(low);
      else if (low.time <= high.time) this.#out.push(low, high);
      else this.#out.push(high, low);
    }
    this.#lowAt = -1;
    this.#highAt = -1;
  }

  result(): TimedValue[] {
    this.#flush();
    const out = this.#count === 0 ? [] : [{ time: this.#firstTime, value: this.#firstValue }, ...this.#out];
    if (this.#count > 1) out.push({ time: this.#lastTime, value: this.#lastValue });
    return out;
  }
}
