import { SingleBar, Presets } from 'cli-progress';
import type { Progress } from '../run/local-executor.ts';

export interface ProgressReporter {
  update(p: Progress): void;
  stop(): void;
}

/** A progress bar on a terminal; silent otherwise so logs and --json stay clean. */
export function createProgressReporter(tty: boolean): ProgressReporter {
  if (!tty) return { update() {}, stop() {} };
  const bar = new SingleBar(
    { format: 'runs [{bar}] {value}/{total} | ok {succeeded} | failed {failed} | eta {eta_formatted}', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (!started) {
        bar.start(p.total, 0, { succeeded: 0, failed: 0 });
        started = true;
      }
      bar.update(p.done, { succeeded: p.succeeded, failed: p.failed });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
