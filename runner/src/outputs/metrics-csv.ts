import { scanFiniteNumber } from './json-scan.ts';

/** Checks a metrics.csv; returns the problems found (empty when valid). */
export function checkMetricsCsv(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('metrics.csv: does not end with a newline');
  const headerEnd = text.indexOf('\n');
  const header = (headerEnd < 0 ? text : text.slice(0, headerEnd)).split(',');
  if (header[0] !== 'time' || header[1] !== 'seq') {
    problems.push('metrics.csv: header must start with time,seq');
    return problems;
  }
  if (new Set(header).size !== header.length) problems.push('metrics.csv: duplicate column names');
  let lastTime = 0;
  const width = header.length;
  for (let start = headerEnd + 1, line = 2; start > 0 && start < text.length && problems.length < 20; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const timeEnd = scanRow(text, start, end, width);
    let time: number;
    if (timeEnd > 0) time = Number(text.slice(start, timeEnd));
    else {
      const problem = rowProblem(text.slice(start, end), header);
      if (problem !== undefined) {
        problems.push(`metrics.csv line ${line}: ${problem}`);
        start = end + 1;
        continue;
      }
      time = +(text.slice(start, text.indexOf(',', start)));
    }
    start = end + 1;
    // Events run in (time, priority, seq) order, so only time is monotone.
    if (time < lastTime) problems.push(`metrics.csv line ${line}: time goes backwards`);
    lastTime = time;
  }
  return problems;
}

/**
 * The fast path: `width` finite JSON numbers separated by commas, as the
 * runner writes them. Returns where the first cell ends, or -1 if the row is
 * not of that form (it may still be valid: rowProblem decides).
 */
function scanRow(s: string, start: number, end: number, width: number): number {
  let first = -1;
  let i = start;
  for (let cell = 0; cell < width; cell++) {
    if (cell > 0) {
      if (s.charCodeAt(i) !== 0x2c) return -1;
      i++;
    }
    i = scanFiniteNumber(s, i);
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
