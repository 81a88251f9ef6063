import { z } from 'swarmlab/sdk';

export const memoryOverrideSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Whether the memory override may block actions.'),
    window: z.number().positive().default(600).describe('How long (seconds) a failure or a failed recovery counts as recent.'),
    maxRecentFailures: z.number().int().min(0).default(3).describe('Block when the app has more recent failures than this (the one being handled included).'),
    maxInstability: z.number().min(0).max(100).default(60).describe('Block when the app\'s instability score (0-100) is above this.'),
    failureWeight: z.number().min(0).default(20).describe('Instability points of a failure that just happened (fading linearly to 0 over the window).'),
    failedRecoveryWeight: z.number().min(0).default(30).describe('Instability points of an action that just failed to resolve the incident (fading likewise).'),
    capacity: z.number().int().min(1).max(1000).default(10).describe('Entries remembered per app; older ones are forgotten.'),
    quiet: z
      .number()
      .positive()
      .default(180)
      .describe('An alert is a new failure when the app was reported healthy since its last alert or had no alert for this long (seconds); otherwise it is the same failure seen again.'),
  })
  .strict();
export type MemoryOverrideConfig = z.output<typeof memoryOverrideSchema>;

interface Entry {
  readonly time: number;
  readonly kind: 'failure' | 'failedRecovery';
}

export interface Assessment {
  readonly recentFailures: number;
  /** 0-100, rounded to one decimal. */
  readonly instability: number;
  /** Why the app's memory forbids acting now; undefined when it does not. */
  readonly block: string | undefined;
}

/**
 * The agent's bounded short-term memory of each app's failures and failed
 * recoveries, and the override it derives: an app failing too often, or too
 * unstable, is not acted on. A failure is an episode: the alerts the monitor
 * repeats while one problem lasts are one failure. Instability = min(100, sum
 * over remembered entries within the window of weight x (1 - age / window)),
 * a failure weighing `failureWeight` and a failed recovery `failedRecoveryWeight`.
 */
export class FailureMemory {
  private readonly apps = new Map<string, Entry[]>();
  /** Time of the last alert of each app whose failure is still open. */
  private readonly failing = new Map<string, number>();
  private readonly cfg: MemoryOverrideConfig;

  constructor(cfg: MemoryOverrideConfig) {
    this.cfg = cfg;
  }

  /** An alert about the app: a new failure unless it continues the open one. Returns whether it is new. */
  recordAlert(app: string, time: number): boolean {
    const last = this.failing.get(app);
    this.failing.set(app, time);
    if (last !== undefined && time - last <= this.cfg.quiet) return false;
    this.push(app, { time, kind: 'failure' });
    return true;
  }

  /** What came of an action on the app: healthy closes its failure; an active action that left it failing is a failed recovery. */
  recordOutcome(app: string, time: number, resolved: boolean, active: boolean): void {
    if (resolved) this.failing.delete(app);
    else if (active) this.push(app, { time, kind: 'failedRecovery' });
  }

  private push(app: string, e: Entry): void {
    const list = this.apps.get(app) ?? [];
    list.push(e);
    if (list.length > this.cfg.capacity) list.splice(0, list.length - this.cfg.capacity);
    this.apps.set(app, list);
  }

  assess(app: string, now: number): Assessment {
    const { window } = this.cfg;
    const recent = (this.apps.get(app) ?? []).filter((e) => now - e.time < window);
    const recentFailures = recent.filter((e) => e.kind === 'failure').length;
    let score = 0;
    for (const e of recent) score += (e.kind === 'failure' ? this.cfg.failureWeight : this.cfg.failedRecoveryWeight) * (1 - (now - e.time) / window);
    const instability = Math.round(Math.min(100, score) * 10) / 10;
    let block: string | undefined;
    if (this.cfg.enabled && recentFailures > this.cfg.maxRecentFailures) {
      block = `${recentFailures} failures in the last ${window}s exceed the limit of ${this.cfg.maxRecentFailures}`;
    } else if (this.cfg.enabled && instability > this.cfg.maxInstability) {
      block = `instability score ${instability} exceeds the limit of ${this.cfg.maxInstability}`;
    }
    return { recentFailures, instability, block };
  }
}
