import { moduleFailure, type Sim } from 'swarmlab/sdk';

export interface Cycle {
  readonly type: string;
  readonly every: number;
  readonly priority: number;
}

/** The first beat of a cycle of period `every` strictly after `now`: cycles keep their grid (every, 2·every, ...) across a pause. */
export function nextBeat(now: number, every: number): number {
  const beat = (Math.floor(now / every) + 1) * every;
  return beat > now ? beat : beat + every;
}

/**
 * Periodic self-events that pause while their owner is at rest, so a run
 * ends when nothing remains to happen, and resume on their own grid as soon
 * as something changes.
 */
export class RestingCycles {
  private readonly self: string;
  private readonly cycles: readonly Cycle[];
  private readonly paused = new Set<string>();

  constructor(self: string, cycles: readonly Cycle[]) {
    this.self = self;
    this.cycles = cycles;
  }

  start(sim: Sim): void {
    for (const c of this.cycles) this.emit(c, c.every, sim);
  }

  /** From a cycle's handler: its next beat, or a pause when the owner is at rest. */
  continue(type: string, resting: boolean, sim: Sim): void {
    const c = this.cycle(type);
    if (resting) this.paused.add(type);
    else this.emit(c, c.every, sim);
  }

  /** After a change: every paused cycle resumes at its next beat, unless the owner is still at rest. */
  wake(resting: () => boolean, sim: Sim): void {
    if (this.paused.size === 0 || resting()) return;
    for (const c of this.cycles) {
      if (!this.paused.delete(c.type)) continue;
      this.emit(c, nextBeat(sim.now, c.every) - sim.now, sim);
    }
  }

  private cycle(type: string): Cycle {
    const c = this.cycles.find((x) => x.type === type);
    if (c === undefined) throw moduleFailure(`${this.self}: no cycle ${type}`);
    return c;
  }

  private emit(c: Cycle, delay: number, sim: Sim): void {
    sim.emit({ type: c.type, target: this.self, delay, channel: 'internal', priority: c.priority });
  }
}
