import { numberValue, scanFiniteNumber } from './json-scan.ts';

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** Checks a metrics.csv; returns the problems found (empty when valid). */
export function checkMetricsCsv(b: Buffer): string[] {
  return scanMetricsCsv(b).problems;
}

export interface MetricsCsvScan {
  readonly problems: string[];
  /** Data rows (the header not counted). */
  readonly rows: number;
  /** Time of the last row (0 when there is none). */
  readonly lastTime: number;
}

/** Checks a metrics.csv and counts its rows, for the checks against summary.json. */
export function scanMetricsCsv(b: Buffer): MetricsCsvScan {
  const problems: string[] = [];
  let rows = 0;
  if (b[b.length - 1] !== NEWLINE) problems.push('metrics.csv: does not end with a newline');
  const headerEnd = b.indexOf(NEWLINE);
  const header = b.toString('utf8', 0, headerEnd < 0 ? b.length : headerEnd).split(',');
  if (header[0] !== 'time' || header[1] !== 'seq') {
    problems.push('metrics.csv: header must start with time,seq');
    return { problems, rows, lastTime: 0 };
  }
  if (new Set(header).size !== header.length) problems.push('metrics.csv: duplicate column names');
  let lastTime = 0;
  const width = header.length;
  for (let start = headerEnd + 1, line = 2; start > 0 && start < b.length && problems.length < 20; line++) {
    rows++;
    const nl = b.indexOf(NEWLINE, start);
    const end = nl < 0 ? b.length : nl;
    const timeEnd = scanRow(b, start, end, width);
    let time: number;
    if (timeEnd > 0) time = numberValue(b, start, timeEnd);
    else {
      const row = b.toString('utf8', start, end);
      const problem = rowProblem(row, header);
      if (problem !== undefined) {
        problems.push(`metrics.csv line ${line}: ${problem}`);
        start = end + 1;
        continue;
      }
      time = +row.slice(0, row.indexOf(','));
    }
    start = end + 1;
    // Events run in (time, priority, seq) order, so only time is monotone.
    if (time < lastTime) problems.push(`metrics.csv line ${line}: time goes backwards`);
    lastTime = time;
  }
  return { problems, rows, lastTime };
}

/**
 * The fast path: `width` finite JSON numbers separated by commas, as the
 * runner writes them. Returns where the first cell ends, or -1 if the row is
 * not of that form (it may still be valid: rowProblem decides).
 */
function scanRow(b: Uint8Array, start: number, end: number, width: number): number {
  let first = -1;
  let i = start;
  for (let cell = 0; cell < width; cell++) {
    if (cell > 0) {
      if (b[i] !== COMMA) return -1;
      i++;
    }
    i = scanFiniteNumber(b, i);
    if (i < 0) return -1;
    if (cell === 0) first = i;
  }
  return i === end ? first : -1;
}

/** What is wrong with a row, or undefined when it is valid: every cell a finite number. */
function rowProblem(row: string, header: readonly string[]): string | undefined {
  const cells = row.split(',');
  if (cells.length !== header.length) return `${cells.length} cells, header has ${header.length}`;
  for (let j = 0; j < cells.length; j++) {
    const cell = cells[j] as string;
    if (cell === '' || !Number.isFinite(+cell)) return `column ${header[j]} is not a finite number`;
  }
  return undefined;
}
