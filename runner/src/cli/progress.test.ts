import { describe, expect, it } from 'vitest';
import { lineReporter, progressStyle } from './progress.ts';

const at = (done: number, total: number, failed = 0) => ({ done, total, succeeded: done - failed, failed, resumed: 0 });

describe('progress without a terminal', () => {
  it('chooses plain lines when stderr is not a TTY, a bar on a TTY, and nothing beside --json', () => {
    expect(progressStyle({ json: false, tty: false })).toBe('lines');
    expect(progressStyle({ json: false, tty: true })).toBe('bar');
    expect(progressStyle({ json: true, tty: false })).toBe('none');
  });

  it('prints a line for every 5% of the runs, not for every run', () => {
    const lines: string[] = [];
    const r = lineReporter((l) => lines.push(l), () => 0);
    for (let done = 1; done <= 1000; done++) r.update(at(done, 1000));
    r.stop();
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatch(/^swarmlab: runs 50\/1000 \(5%\), ok 50, failed 0, /);
    expect(lines.at(-1)).toMatch(/^swarmlab: runs 1000\/1000 \(100%\)/);
  });

  it('prints a line when some seconds passed since the last, even under 5% more runs', () => {
    const lines: string[] = [];
    let clock = 0;
    const r = lineReporter((l) => lines.push(l), () => clock, 5000);
    r.update(at(1, 1000));
    clock = 4000;
    r.update(at(2, 1000));
    expect(lines).toHaveLength(0);
    clock = 6000;
    r.update(at(3, 1000, 1));
    expect(lines).toEqual([expect.stringMatching(/^swarmlab: runs 3\/1000 \(0%\), ok 2, failed 1, 6\.0s elapsed, eta 33m1\ds$/)]);
  });

  it('shows the last state at the end unless it was just shown', () => {
    const lines: string[] = [];
    const r = lineReporter((l) => lines.push(l), () => 0);
    r.update(at(1, 1000));
    r.stop();
    expect(lines).toEqual([expect.stringMatching(/^swarmlab: runs 1\/1000 /)]);
    r.stop();
    expect(lines).toHaveLength(1);
  });

  it('names an adaptive sweep\'s round, with a line as each round starts', () => {
    const lines: string[] = [];
    const r = lineReporter((l) => lines.push(l), () => 0);
    r.update({ ...at(1, 8), round: 0 });
    for (let done = 2; done <= 8; done++) r.update({ ...at(done, 8), round: 0 });
    r.update({ ...at(8, 12), round: 1 });
    expect(lines[0]).toMatch(/^swarmlab: round 0, runs 1\/8 /);
    expect(lines.at(-1)).toMatch(/^swarmlab: round 1, runs 8\/12 \(66%\)/);
  });
});
