/**
 * Uptime and the recovery SLA, per environment. Uptime is the share of
 * app-time, from when each app joined, during which the app was up (not
 * crashed); the SLA is the share of resolved incidents resolved within the
 * recovery time objective.
 */
export class Availability {
  private readonly apps = new Map<string, { readonly env: string; readonly since: number; down: number; downSince: number | undefined }>();
  private readonly recoveries = new Map<string, { n: number; met: number }>();
  private readonly objective: number;

  constructor(recoveryObjective: number) {
    this.objective = recoveryObjective;
  }

  join(env: string, app: string, t: number): void {
    this.apps.set(`${env}/${app}`, { env, since: t, down: 0, downSince: undefined });
  }

  down(env: string, app: string, t: number): void {
    const a = this.apps.get(`${env}/${app}`);
    if (a && a.downSince === undefined) a.downSince = t;
  }

  up(env: string, app: string, t: number): void {
    const a = this.apps.get(`${env}/${app}`);
    if (a?.downSince === undefined) return;
    a.down += t - a.downSince;
    a.downSince = undefined;
  }

  /** An incident of `env` resolved after `ttr` seconds. */
  resolved(env: string, ttr: number): void {
    const r = this.recoveries.get(env) ?? { n: 0, met: 0 };
    r.n++;
    if (ttr <= this.objective) r.met++;
    this.recoveries.set(env, r);
  }

  /** Uptime up to `t` of one environment, or of all with `env` undefined; undefined when there is no app-time. */
  uptime(env: string | undefined, t: number): number | undefined {
    let total = 0;
    let down = 0;
    for (const a of this.apps.values()) {
      if (env !== undefined && a.env !== env) continue;
      total += t - a.since;
      down += a.down + (a.downSince === undefined ? 0 : t - a.downSince);
    }
    return total > 0 ? 1 - down / total : undefined;
  }

  /** Share of resolved incidents within the objective, of one environment or of all; undefined when none was resolved. */
  slaMet(env?: string): number | undefined {
    let n = 0;
    let met = 0;
    for (const [e, r] of this.recoveries) {
      if (env !== undefined && e !== env) continue;
      n += r.n;
      met += r.met;
    }
    return n > 0 ? met / n : undefined;
  }

  get recoveryObjective(): number {
    return this.objective;
  }
}
