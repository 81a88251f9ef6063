/**
 * The metric rows of a run (one after every executed event), flat in one
 * Float64Array. A row per event as its own array was most of a run's
 * allocation: hundreds of thousands of small arrays that the GC had to trace.
 * With `keepRows` false only the latest row is kept (each row is written out
 * as it is recorded, and nothing reads the history).
 */
export class MetricTable {
  readonly columns: readonly string[];
  private readonly keepRows: boolean;
  private data: Float64Array;
  private count = 0;

  constructor(columns: readonly string[], expectedRows = 1024, keepRows = true) {
    this.columns = columns;
    this.keepRows = keepRows;
    this.data = new Float64Array(Math.max(1, columns.length * (keepRows ? expectedRows : 1)));
  }

  /** The backing array; row values start at the offsets appendRow returns. Replaced when the table grows. */
  get buffer(): Float64Array {
    return this.data;
  }

  /** Number of rows. */
  get length(): number {
    return this.count;
  }

  get width(): number {
    return this.columns.length;
  }

  /** Reserves the next row and returns the offset its values go at. */
  appendRow(): number {
    if (!this.keepRows) {
      this.count++;
      return 0;
    }
    const offset = this.count * this.columns.length;
    if (offset + this.columns.length > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.count++;
    return offset;
  }

  set(offset: number, value: number): void {
    this.data[offset] = value;
  }

  /** The latest row, or undefined before the first. */
  lastRow(): number[] | undefined {
    if (this.count === 0) return undefined;
    return this.keepRows ? this.row(this.count - 1) : Array.from(this.data.subarray(0, this.columns.length));
  }

  /** Every value, row after row (a view, not a copy). */
  values(): Float64Array {
    this.requireRows();
    return this.data.subarray(0, this.count * this.columns.length);
  }

  /** The values of one column, oldest row first. */
  column(index: number): Float64Array {
    this.requireRows();
    const out = new Float64Array(this.count);
    const w = this.columns.length;
    for (let r = 0; r < this.count; r++) out[r] = this.data[r * w + index] as number;
    return out;
  }

  /** One row as a plain array (for tests and final values). */
  row(index: number): number[] {
    this.requireRows();
    const w = this.columns.length;
    return Array.from(this.data.subarray(index * w, index * w + w));
  }

  /** The whole table as arrays; small tables only (tests). */
  toRows(): number[][] {
    return Array.from({ length: this.count }, (_, i) => this.row(i));
  }

  private requireRows(): void {
    if (!this.keepRows) throw new Error('this metric table keeps only its latest row');
  }
}
