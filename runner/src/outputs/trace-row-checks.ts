import { SeqSet } from './seq-set.ts';
import { TRACE_FILE_NAMES } from './trace-files.ts';

// The checks every row of a Parquet trace passes, in one place for both ways
// of making them: on the values as the writer writes them (a fresh run), and
// on the values decoded from a stored file (check-trace-parquet.ts). Times
// finite and never going back, seqs unique whole numbers, strings non-empty,
// each payload a JSON object, each metric finite.

/** What the checks against summary.json need of a trace file. */
export interface TraceFileScan {
  readonly problems: string[];
  /** Data rows. */
  readonly rows: number;
  /** Time of the last row (0 when there is none). */
  readonly lastTime: number;
}

const MAX_PROBLEMS = 20;
const EVENTS = TRACE_FILE_NAMES.parquet.events;
const METRICS = TRACE_FILE_NAMES.parquet.metrics;

/** events.parquet's rows, checked in order. */
export class EventRowChecks {
  readonly problems: string[] = [];
  rows = 0;
  lastTime = 0;
  readonly #seqs = new SeqSet();

  get full(): boolean {
    return this.problems.length >= MAX_PROBLEMS;
  }

  /** The next row; strings and the payload by what the check needs of them: their byte lengths, and whether the payload is an object's JSON. */
  row(t: number, priority: number, seq: number | bigint, typeBytes: number, sourceBytes: number, targetBytes: number, payloadIsObject: boolean): void {
    const row = this.rows++;
    if (this.full) return;
    const problems = this.problems;
    if (!(t >= 0 && t !== Infinity)) problems.push(`${EVENTS} row ${row}: time ${t} is not a finite number >= 0`);
    else if (t < this.lastTime) problems.push(`${EVENTS} row ${row}: time goes backwards`);
    else this.lastTime = t;
    if (!Number.isFinite(priority)) problems.push(`${EVENTS} row ${row}: priority is not a finite number`);
    const s = Number(seq);
    if (!Number.isSafeInteger(s) || s < 0) problems.push(`${EVENTS} row ${row}: seq ${String(seq)} is not a whole number >= 0`);
    else if (!this.#seqs.add(s)) problems.push(`${EVENTS} row ${row}: duplicate seq ${s}`);
    if (typeBytes === 0) problems.push(`${EVENTS} row ${row}: type is empty`);
    if (sourceBytes === 0) problems.push(`${EVENTS} row ${row}: source is empty`);
    if (targetBytes === 0) problems.push(`${EVENTS} row ${row}: target is empty`);
    if (!payloadIsObject) problems.push(`${EVENTS} row ${row}: payload is not the JSON text of an object`);
  }

  scan(): TraceFileScan {
    return { problems: this.problems, rows: this.rows, lastTime: this.lastTime };
  }
}

/** metrics.parquet's rows, checked in order. */
export class MetricRowChecks {
  readonly problems: string[] = [];
  rows = 0;
  lastTime = 0;
  readonly #metrics: readonly string[];

  constructor(metrics: readonly string[]) {
    this.#metrics = metrics;
  }

  /** The next row: its time, seq, and its metrics as `values[offset + c]`. */
  row(t: number, seq: number | bigint, values: ArrayLike<number>, offset: number): void {
    const row = this.rows++;
    if (this.problems.length >= MAX_PROBLEMS) return;
    const problems = this.problems;
    if (!Number.isFinite(t)) problems.push(`${METRICS} row ${row}: time is not a finite number`);
    else if (t < this.lastTime) problems.push(`${METRICS} row ${row}: time goes backwards`);
    else this.lastTime = t;
    const s = Number(seq);
    if (!Number.isSafeInteger(s) || s < 0) problems.push(`${METRICS} row ${row}: seq ${String(seq)} is not a whole number >= 0`);
    for (let c = 0; c < this.#metrics.length; c++) {
      if (!Number.isFinite(values[offset + c])) problems.push(`${METRICS} row ${row}: column ${this.#metrics[c]} is not a finite number`);
    }
  }

  scan(): TraceFileScan {
    return { problems: this.problems, rows: this.rows, lastTime: this.lastTime };
  }
}

// A fresh run's trace files, checked row by row as they were written: the
// file object the writer returned (a staged file, or the bytes in memory)
// maps to its rows' scan. Validation then reads only the file's footer;
// a file not found here (a stored run, a copy) is decoded and checked whole.
const checkedAsWritten = new WeakMap<object, TraceFileScan>();

export function recordCheckedAsWritten(file: object, scan: TraceFileScan): void {
  checkedAsWritten.set(file, scan);
}

export function checkedAsWrittenScan(file: object): TraceFileScan | undefined {
  return checkedAsWritten.get(file);
}
