import { defineModule, expectInstance, instanceOf, intent, on, type Sim, type SimEvent, z } from 'swarmlab/sdk';
import { Action, ActionExecuted, AppDeploy, ExecutorRefused, Inject, Outcome, Telemetry, type Reading } from './events.ts';
import { CICD_GATES, ENVIRONMENTS, EXECUTABLE, PASSIVE, asActionPayload } from './common.ts';
import { cicdPanels } from './panels.ts';
import { Availability } from './availability.ts';

const INCIDENTS = ['crash', 'cpu_overload', 'memory_overload', 'bad_deploy', 'slow_deploy'] as const;
type IncidentKind = (typeof INCIDENTS)[number];

const apps = z.array(z.string().min(1).max(64)).max(32);
const perIncident = (d: Record<IncidentKind, number>, what: string, max = Infinity) =>
  z
    .object(Object.fromEntries(INCIDENTS.map((k) => [k, z.number().min(0).max(max).default(d[k]).describe(`${what}: ${k}.`)])) as Record<IncidentKind, z.ZodDefault<z.ZodNumber>>)
    .strict()
    .prefault({})
    .describe(`${what}, per incident kind.`);

/** Chance that an executed action fixes an open incident of each kind (the rest do nothing). */
const DEFAULT_EFFECTS: Record<'restart' | 'scale_up' | 'scale_down' | 'rollback', Record<IncidentKind, number>> = {
  restart: { crash: 0.9, cpu_overload: 0.2, memory_overload: 0.8, bad_deploy: 0.1, slow_deploy: 0.3 },
  scale_up: { crash: 0.2, cpu_overload: 0.9, memory_overload: 0.5, bad_deploy: 0, slow_deploy: 0 },
  scale_down: { crash: 0, cpu_overload: 0, memory_overload: 0, bad_deploy: 0, slow_deploy: 0 },
  rollback: { crash: 0.6, cpu_overload: 0, memory_overload: 0, bad_deploy: 0.95, slow_deploy: 0.8 },
};

export const cicdEnvironmentsConfig = z
  .object({
    environments: z
      .object({
        dev: apps.default(['api', 'web']).describe('Applications in dev.'),
        stage: apps.default(['api', 'web']).describe('Applications in stage.'),
        prod: apps.default(['api', 'web']).describe('Applications in prod.'),
      })
      .strict()
      .prefault({})
      .describe('Applications running in each environment.'),
    monitor: z.string().min(1).default('monitor').describe('Monitor instance that receives telemetry.'),
    agent: z.string().min(1).default('agent').describe('Recovery agent instance that receives action outcomes.'),
    notify: z.array(z.string().min(1)).max(16).default([]).describe('Instances (stateful gates) told of every executed action.'),
    scrapeInterval: z.number().positive().default(15).describe('Time between telemetry scrapes.'),
    replicas: z.number().int().min(1).default(2).describe('Initial replicas per app.'),
    maxReplicas: z.number().int().min(1).default(3).describe('Most replicas scale_up reaches.'),
    badDeployRate: z.number().min(0).max(1).default(0.3).describe('Share of deploys that ship a bad version (error rate up).'),
    naturalRecovery: perIncident(
      { crash: 300, cpu_overload: 180, memory_overload: 600, bad_deploy: 900, slow_deploy: 240 },
      'Mean time until an incident ends with no action (platform restart, load passes, human fix)',
    ),
    actionDuration: z
      .record(z.string(), z.number().min(0))
      .default({ restart: 20, scale_up: 30, scale_down: 30, rollback: 60 })
      .describe('Time an action takes before its effect shows.'),
    falseAlarmDuration: z.number().positive().default(30).describe('How long a false alarm distorts a sensor.'),
    falseAlarmConflictShare: z.number().min(0).max(1).default(0.5).describe('Share of false alarms where two sensors contradict (CPU high and low); the rest are one memory spike.'),
    effects: z
      .object({
        restart: perIncident(DEFAULT_EFFECTS.restart, 'Chance restart fixes the incident', 1),
        scale_up: perIncident(DEFAULT_EFFECTS.scale_up, 'Chance scale_up fixes the incident', 1),
        scale_down: perIncident(DEFAULT_EFFECTS.scale_down, 'Chance scale_down fixes the incident', 1),
        rollback: perIncident(DEFAULT_EFFECTS.rollback, 'Chance rollback fixes the incident', 1),
      })
      .strict()
      .prefault({})
      .describe('Chance that an executed action fixes an open incident, per action and incident kind.'),
    sensorNoise: z.number().min(0).default(1).describe('Multiplier of the sensors\' noise (0: every sensor reads the exact value).'),
    slaRecovery: z.number().positive().default(300).describe('Recovery time objective (seconds): an incident resolved within it meets the SLA.'),
  })
  .strict();

interface Incident {
  readonly id: number;
  readonly kind: IncidentKind;
  readonly start: number;
  /** The utilisation an overload drives its metric to. */
  readonly level?: number;
}

interface App {
  readonly env: string;
  readonly name: string;
  replicas: number;
  version: number;
  previous: number | null;
  incident: Incident | null;
  falseAlarm: { until: number; conflict: boolean } | null;
}

/**
 * The three environments and their applications: the ground truth. Applies
 * injected failures and deploys, ends incidents naturally after a random time,
 * executes the actions the gates let through, reports each outcome to the
 * agent, and publishes noisy two-sensor telemetry for the monitor.
 */
export const cicdEnvironments = defineModule({
  kind: 'agent',
  name: 'cicd-environments',
  panels: cicdPanels,
  publishes: {
    metrics: {
      incidents: 'Incidents opened.',
      open: 'Incidents open now.',
      resolved: 'Incidents resolved.',
      resolvedByAgent: 'Incidents an executed action resolved.',
      mttr: 'Mean time to resolve.',
      recoveryActions: 'Active actions run on an open incident.',
      successRate: 'Share of recovery actions that fixed the incident.',
      actionsOnFalseAlarms: 'Active actions run with no incident open.',
      prodActiveActions: 'Active actions run in prod.',
      refusedByExecutor: 'Actions the executor refused (not from the agent, unknown action or app).',
      uptime: 'Share of app-time up (not crashed) over every environment, so far.',
      uptimeDev: 'Share of app-time up in dev, so far (1 with no app).',
      uptimeStage: 'Share of app-time up in stage, so far (1 with no app).',
      uptimeProd: 'Share of app-time up in prod, so far (1 with no app).',
      slaMet: 'Share of resolved incidents resolved within slaRecovery.',
    },
  },
  version: '1.1.0',
  description: 'dev, stage and prod environments with applications, incidents, deploys, onboarded apps and an action executor that runs only the agent\'s actions.',
  config: cicdEnvironmentsConfig,
  events: {
    handles: [Action, Inject, AppDeploy, ExecutorRefused],
    emits: [
      { event: ExecutorRefused, to: 'self' },
      { event: Telemetry, to: 'monitor' },
      { event: Outcome, to: 'agent' },
      { event: ActionExecuted, to: 'notify' },
    ],
  },
  validate: (config, scenario) => [
    ...expectInstance(scenario, config.monitor, ['monitor'], ['cicd-monitor']),
    ...expectInstance(scenario, config.agent, ['agent'], ['cicd-recovery-agent']),
    // Only gates handle action.executed notices.
    ...config.notify.flatMap((n, i) => expectInstance(scenario, n, ['notify', i], CICD_GATES)),
  ],
  create(config, ctx) {
    const rng = ctx.rng('telemetry');
    const fx = ctx.rng('effects');
    const appList: App[] = [];
    const availability = new Availability(config.slaRecovery);
    const addApp = (env: string, name: string, replicas: number, t: number) => {
      appList.push({ env, name, replicas, version: 1, previous: null, incident: null, falseAlarm: null });
      availability.join(env, name, t);
    };
    for (const env of ENVIRONMENTS) for (const name of config.environments[env]) addApp(env, name, config.replicas, 0);
    const find = (env: unknown, app: unknown) => appList.find((a) => a.env === env && a.name === app);
    let nextIncident = 0;
    let incidents = 0;
    let resolved = 0;
    let resolvedByAgent = 0;
    let ttrSum = 0;
    const ttrByEnv: Record<string, { sum: number; n: number }> = { dev: { sum: 0, n: 0 }, stage: { sum: 0, n: 0 }, prod: { sum: 0, n: 0 } };
    let recoveryActions = 0;
    let successfulRecoveries = 0;
    let actionsOnFalseAlarms = 0;
    let prodActive = 0;
    let unknownRefused = 0;
    let skippedInjections = 0;
    let now = 0;
    const noise = config.sensorNoise;
    const executed: Record<string, number> = Object.fromEntries(EXECUTABLE.map((a) => [a, 0]));

    const open = (app: App, kind: IncidentKind, sim: Sim, level?: number) => {
      if (app.incident) {
        skippedInjections++;
        return;
      }
      app.incident = { id: nextIncident++, kind, start: sim.now, ...(level === undefined ? {} : { level }) };
      if (kind === 'crash') availability.down(app.env, app.name, sim.now);
      incidents++;
      sim.emit({ type: 'recover', target: ctx.instance, delay: fx.exponential(1 / config.naturalRecovery[kind]), payload: { env: app.env, app: app.name, incident: app.incident.id } });
    };
    const close = (app: App, now: number, byAgent: boolean) => {
      const inc = app.incident;
      if (!inc) return;
      const ttr = now - inc.start;
      resolved++;
      ttrSum += ttr;
      const e = ttrByEnv[app.env]!;
      e.sum += ttr;
      e.n++;
      if (inc.kind === 'crash') availability.up(app.env, app.name, now);
      availability.resolved(app.env, ttr);
      if (byAgent) resolvedByAgent++;
      app.incident = null;
    };
    const clamp = (x: number) => Math.min(1, Math.max(0, x));
    const reading = (app: App, now: number): Reading => {
      const inc = app.incident?.kind;
      const fa = app.falseAlarm && now < app.falseAlarm.until ? app.falseAlarm : null;
      const load = 0.6 / app.replicas;
      const level = app.incident?.level;
      let cpu = clamp(rng.normal(inc === 'cpu_overload' ? (level ?? 0.95) : load, 0.05 * noise));
      let cpu2 = clamp(cpu + rng.normal(0, 0.02 * noise));
      let mem = clamp(rng.normal(inc === 'memory_overload' ? (level ?? 0.96) : 0.45, 0.05 * noise));
      let mem2 = clamp(mem + rng.normal(0, 0.02 * noise));
      const err = inc === 'crash' ? 1 : inc === 'bad_deploy' ? 0.15 : Math.max(0, rng.normal(0.004, 0.004 * noise));
      if (fa?.conflict) {
        cpu2 = 0.97;
        cpu = 0.01;
      } else if (fa) mem2 = 0.97;
      if (inc === 'crash') {
        cpu = 0;
        cpu2 = 0;
        mem = 0;
        mem2 = 0;
      }
      return {
        env: app.env,
        app: app.name,
        up: inc === 'crash' ? 0 : 1,
        cpu: [cpu, cpu2],
        memory: [mem, mem2],
        errorRate: [err, err],
        deploySeconds: inc === 'slow_deploy' ? 600 : 0,
        version: app.version,
        hasPreviousVersion: app.previous !== null,
        replicas: app.replicas,
      };
    };

    const deploy = (app: App, sim: Sim) => {
      app.previous = app.version;
      app.version++;
      if (fx.bernoulli(config.badDeployRate)) open(app, 'bad_deploy', sim);
    };
    const refuse = (e: SimEvent, sim: Sim, reason: string) => {
      const p = asActionPayload(e.payload);
      unknownRefused++;
      sim.emit(intent(ExecutorRefused, ctx.instance, { seq: e.seq, decision: p.decision, source: e.source, env: p.env, app: p.app, action: p.action, reason }));
      // Only the agent hears of its refused actions; a direct caller gets nothing back.
      if (instanceOf(e.source) === config.agent) {
        sim.emit(intent(Outcome, config.agent, { decision: p.decision, env: p.env, app: p.app, state: p.state, proposed: p.proposed, executed: 'none', resolved: false, falseAlarm: false, refusedByExecutor: true }));
      }
    };
    const handle: Record<string, (e: SimEvent, sim: Sim) => void> = {
      scrape(_e, sim) {
        sim.emit(intent(Telemetry, config.monitor, { apps: appList.map((a) => reading(a, sim.now)) }));
        if (ctx.horizon.time === undefined || sim.now + config.scrapeInterval <= ctx.horizon.time) {
          sim.emit({ type: 'scrape', target: ctx.instance, delay: config.scrapeInterval });
        }
      },
      ...on(Inject, (i, _e, sim) => {
        const app = find(i.env, i.app);
        if (!app) return;
        if (i.kind === 'deploy') deploy(app, sim);
        else if (i.kind === 'slow_deploy') {
          app.previous = app.version;
          app.version++;
          open(app, 'slow_deploy', sim);
        } else if (i.kind === 'scale') app.replicas = Math.min(config.maxReplicas, i.replicas ?? app.replicas);
        else if (i.kind === 'crash') open(app, 'crash', sim);
        else if (i.kind === 'cpu_overload') open(app, 'cpu_overload', sim, i.cpu);
        else if (i.kind === 'memory_overload') open(app, 'memory_overload', sim, i.memory);
        else app.falseAlarm = { until: sim.now + config.falseAlarmDuration, conflict: fx.bernoulli(config.falseAlarmConflictShare) };
      }),
      ...on(AppDeploy, ({ spec }, _e, sim) => {
        const known = find(spec.environment, spec.name);
        if (known) deploy(known, sim);
        else addApp(spec.environment, spec.name, Math.min(config.maxReplicas, spec.replicas), sim.now);
      }),
      ...on(ExecutorRefused, () => {}),
      recover(e, sim) {
        const app = find(e.payload.env, e.payload.app);
        if (app?.incident && app.incident.id === e.payload.incident) close(app, sim.now, false);
      },
      action(e, sim) {
        const p = asActionPayload(e.payload);
        const app = find(p.env, p.app);
        // Defence in depth: the executor runs only the agent's actions, and only safe ones, whatever the gates did.
        if (instanceOf(e.source) !== config.agent) return refuse(e, sim, `the executor takes actions from the agent (${config.agent}) only, not from ${e.source}`);
        if (!EXECUTABLE.includes(p.action)) return refuse(e, sim, `the executor does not know action ${p.action}`);
        if (!app) return refuse(e, sim, `no app ${p.app} in ${p.env || 'an unknown environment'}`);
        executed[p.action] = (executed[p.action] ?? 0) + 1;
        const active = !PASSIVE.includes(p.action);
        if (active && app.env === 'prod') prodActive++;
        const incident = app.incident;
        if (active && !incident) actionsOnFalseAlarms++;
        if (active && incident) recoveryActions++;
        for (const n of config.notify) sim.emit(intent(ActionExecuted, n, { env: app.env, app: app.name, action: p.action }));
        sim.emit({
          type: 'effect',
          target: ctx.instance,
          delay: config.actionDuration[p.action] ?? 0,
          payload: { decision: p.decision, state: p.state, env: app.env, app: app.name, proposed: p.proposed, action: p.action, incident: incident ? incident.id : -1 },
        });
      },
      effect(e, sim) {
        const app = find(e.payload.env, e.payload.app)!;
        const action = String(e.payload.action);
        const before = e.payload.incident as number;
        if (action === 'scale_up') app.replicas = Math.min(config.maxReplicas, app.replicas + 1);
        if (action === 'scale_down') app.replicas = Math.max(1, app.replicas - 1);
        if (action === 'rollback' && app.previous !== null) {
          app.version = app.previous;
          app.previous = null;
        }
        const inc = app.incident;
        let fixed = false;
        if (inc && inc.id === before) {
          const p = action in config.effects ? config.effects[action as keyof typeof config.effects][inc.kind] : 0;
          if (p > 0 && fx.bernoulli(p)) {
            close(app, sim.now, true);
            fixed = true;
            successfulRecoveries++;
          }
        }
        sim.emit(
          intent(Outcome, config.agent, {
            decision: Number(e.payload.decision ?? -1),
            env: app.env,
            app: app.name,
            state: String(e.payload.state ?? ''),
            proposed: String(e.payload.proposed ?? ''),
            executed: action,
            resolved: app.incident === null,
            fixed,
            falseAlarm: before < 0,
          }),
        );
      },
    };
    // Every handler first moves the clock the uptime is measured to.
    const timed = Object.fromEntries(
      Object.entries(handle).map(([type, h]) => [
        type,
        (e: SimEvent, sim: Sim) => {
          now = sim.now;
          h(e, sim);
        },
      ]),
    );

    return {
      start(sim) {
        sim.emit({ type: 'scrape', target: ctx.instance, delay: config.scrapeInterval });
      },
      handle: timed,
      metrics: () => ({
        incidents,
        open: incidents - resolved,
        resolved,
        resolvedByAgent,
        mttr: resolved > 0 ? ttrSum / resolved : 0,
        recoveryActions,
        successRate: recoveryActions > 0 ? successfulRecoveries / recoveryActions : 0,
        actionsOnFalseAlarms,
        prodActiveActions: prodActive,
        refusedByExecutor: unknownRefused,
        uptime: availability.uptime(undefined, now) ?? 1,
        uptimeDev: availability.uptime('dev', now) ?? 1,
        uptimeStage: availability.uptime('stage', now) ?? 1,
        uptimeProd: availability.uptime('prod', now) ?? 1,
        slaMet: availability.slaMet() ?? 0,
      }),
      summary: () => ({
        incidents,
        resolved,
        resolvedByAgent,
        resolvedNaturally: resolved - resolvedByAgent,
        mttr: resolved > 0 ? ttrSum / resolved : 0,
        mttrByEnvironment: Object.fromEntries(Object.entries(ttrByEnv).map(([k, v]) => [k, v.n > 0 ? v.sum / v.n : 0])),
        uptime: availability.uptime(undefined, now) ?? null,
        uptimeByEnvironment: Object.fromEntries(ENVIRONMENTS.map((env) => [env, availability.uptime(env, now) ?? null])),
        sla: {
          recoverySeconds: availability.recoveryObjective,
          met: availability.slaMet() ?? null,
          metByEnvironment: Object.fromEntries(ENVIRONMENTS.map((env) => [env, availability.slaMet(env) ?? null])),
        },
        recoveryActions,
        successfulRecoveries,
        recoverySuccessRate: recoveryActions > 0 ? successfulRecoveries / recoveryActions : 0,
        actionsOnFalseAlarms,
        prodActiveActions: prodActive,
        refusedByExecutor: unknownRefused,
        skippedInjections,
        executed: { ...executed },
      }),
    };
  },
});
