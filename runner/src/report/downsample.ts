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
 */
export class Downsampler {
  readonly #buckets: number;
  readonly #start: number;
  readonly #span: number;
  readonly #out: TimedValue[] = [];
  #bucket = -1;
  #low: TimedValue | undefined;
  #high: TimedValue | undefined;
  #first: TimedValue | undefined;
  #last: TimedValue | undefined;

  constructor(buckets: number, startTime: number, endTime: number) {
    this.#buckets = buckets;
    this.#start = startTime;
    this.#span = Math.max(endTime - startTime, Number.MIN_VALUE);
  }

  push(time: number, value: number): void {
    const v = { time, value };
    if (this.#first === undefined) {
      this.#first = v;
      return;
    }
    if (this.#last !== undefined) this.#take(this.#last);
    this.#last = v;
  }

  #take(v: TimedValue): void {
    const bucket = Math.min(this.#buckets - 1, Math.floor(((v.time - this.#start) / this.#span) * this.#buckets));
    if (bucket !== this.#bucket) {
      this.#flush();
      this.#bucket = bucket;
    }
    if (this.#low === undefined || v.value < this.#low.value) this.#low = v;
    if (this.#high === undefined || v.value > this.#high.value) this.#high = v;
  }

  #flush(): void {
    const { low, high } = { low: this.#low, high: this.#high };
    if (low !== undefined && high !== undefined) {
      if (low === high) this.#out.push(low);
      else if (low.time <= high.time) this.#out.push(low, high);
      else this.#out.push(high, low);
    }
    this.#low = undefined;
    this.#high = undefined;
  }

  result(): TimedValue[] {
    this.#flush();
    const out = this.#first === undefined ? [] : [this.#first, ...this.#out];
    if (this.#last !== undefined) out.push(this.#last);
    return out;
  }
}
