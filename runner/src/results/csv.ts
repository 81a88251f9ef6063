import type { Cell } from './columns.ts';

// RFC 4180 CSV, as pandas.read_csv, R's read.csv and DuckDB read it: a
// header line, '\n' line ends, a field quoted only when it holds a comma, a
// quote or a line break, null as an empty field. Numbers are JavaScript's
// shortest text that reads back as the same double.

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly Cell[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvField(cells[i] as Cell);
  return `${line}\n`;
}
