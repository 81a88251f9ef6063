import { SingleBar, Presets } from 'cli-progress';
import type { Progress } from '../run/schedule.ts';

export interface ProgressReporter {
  update(p: Progress): void;
  stop(): void;
}

/** How progress is shown: a bar on a terminal, plain lines in a log (CI, nohup), nothing beside --json. */
export type ProgressStyle = 'bar' | 'lines' | 'none';

export function progressStyle(opts: { json: boolean; tty: boolean }): ProgressStyle {
  if (opts.json) return 'none';
  return opts.tty ? 'bar' : 'lines';
}

export function createProgressReporter(style: ProgressStyle, out: NodeJS.WritableStream = process.stderr): ProgressReporter {
  if (style === 'none') return { update() {}, stop() {} };
  return style === 'bar' ? barReporter(out) : lineReporter((line) => out.write(`${line}\n`));
}

function barReporter(out: NodeJS.WritableStream): ProgressReporter {
  const bar = new SingleBar(
    { format: '{round}runs [{bar}] {value}/{total} | ok {succeeded} | failed {failed} | eta {eta_formatted}', stream: out, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const round = p.round === undefined ? '' : `round ${p.round} | `;
      if (!started) {
        bar.start(p.total, 0, { succeeded: 0, failed: 0, round });
        started = true;
      }
      // An adaptive sweep's total grows with each round.
      if (p.total !== bar.getTotal()) bar.setTotal(p.total);
      bar.update(p.done, { succeeded: p.succeeded, failed: p.failed, round });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** A log line at most every `everyMs` of wall time, or whenever another 5% of the runs has finished. */
export function lineReporter(write: (line: string) => void, now: () => number = Date.now, everyMs = 5000): ProgressReporter {
  const start = now();
  let lastAt = start;
  let lastStep = 0;
  let last: Progress | undefined;
  let shown: Progress | undefined;
  const show = (p: Progress): void => {
    const elapsed = (now() - start) / 1000;
    const rate = p.done > p.resumed ? (p.done - p.resumed) / Math.max(elapsed, 1e-3) : 0;
    const eta = rate > 0 && p.done < p.total ? `, eta ${formatSeconds((p.total - p.done) / rate)}` : '';
    write(
      `swarmlab: ${p.round === undefined ? '' : `round ${p.round}, `}runs ${p.done}/${p.total} (${Math.floor((100 * p.done) / Math.max(p.total, 1))}%), ok ${p.succeeded}, failed ${p.failed}` +
        `${p.resumed ? `, ${p.resumed} already done` : ''}, ${formatSeconds(elapsed)} elapsed${eta}`,
    );
    shown = p;
    lastAt = now();
  };
  return {
    update(p) {
      const newRound = p.round !== undefined && p.round !== last?.round;
      last = p;
      const step = Math.floor((20 * p.done) / Math.max(p.total, 1));
      if (newRound || step > lastStep || now() - lastAt >= everyMs) {
        lastStep = Math.max(step, lastStep);
        show(p);
      }
    },
    stop() {
      if (last !== undefined && last !== shown) show(last);
    },
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
