/** metrics.csv: `time,seq,<instance.metric>...`, one row after each executed event. */
export function formatMetricsCsv(columns: readonly string[], events: readonly { readonly time: number; readonly seq: number }[], rows: readonly (readonly number[])[]): string {
  const lines: string[] = [['time', 'seq', ...columns].join(',')];
  for (let i = 0; i < rows.length; i++) {
    const e = events[i] as { time: number; seq: number };
    lines.push(`${e.time},${e.seq},${(rows[i] as readonly number[]).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Checks a metrics.csv; returns the problems found (empty when valid). */
export function checkMetricsCsv(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('metrics.csv: does not end with a newline');
  const lines = text.split('\n');
  lines.pop();
  const header = lines[0]?.split(',') ?? [];
  if (header[0] !== 'time' || header[1] !== 'seq') {
    problems.push('metrics.csv: header must start with time,seq');
    return problems;
  }
  if (new Set(header).size !== header.length) problems.push('metrics.csv: duplicate column names');
  let lastTime = 0;
  const width = header.length;
  for (let i = 1; i < lines.length && problems.length < 20; i++) {
    const cells = (lines[i] as string).split(',');
    if (cells.length !== width) {
      problems.push(`metrics.csv line ${i + 1}: ${cells.length} cells, header has ${width}`);
      continue;
    }
    let bad = -1;
    for (let j = 0; j < width; j++) {
      const cell = cells[j] as string;
      if (cell === '' || !Number.isFinite(+cell)) {
        bad = j;
        break;
      }
    }
    if (bad >= 0) {
      problems.push(`metrics.csv line ${i + 1}: column ${header[bad]} is not a finite number`);
      continue;
    }
    const time = +(cells[0] as string);
    // Events run in (time, priority, seq) order, so only time is monotone.
    if (time < lastTime) problems.push(`metrics.csv line ${i + 1}: time goes backwards`);
    lastTime = time;
  }
  return problems;
}
