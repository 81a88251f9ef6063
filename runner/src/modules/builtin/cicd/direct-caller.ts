import { defineModule, expectInstance, intent, IntentRefused, on, z } from 'swarmlab/sdk';
import { ENVIRONMENTS } from './common.ts';
import { Action } from './events.ts';

const call = z
  .object({
    at: z.number().min(0).describe('Logical time of the call.'),
    env: z.enum(ENVIRONMENTS).describe('Environment of the app.'),
    app: z.string().min(1).max(64).describe('App the action is for.'),
    action: z.string().min(1).max(64).describe('Action asked for (any name: the gates and the executor judge it).'),
  })
  .strict();

export const cicdDirectCallerConfig = z
  .object({
    target: z.string().min(1).default('environments').describe('Environments instance (the executor) the calls go to.'),
    calls: z.array(call).max(256).default([]).describe('Actions sent straight to the executor, bypassing the RL decision layer.'),
  })
  .strict();

const NO_SIGNALS = { down: false, cpu_high: false, cpu_low: false, memory_high: false, memory_low: false, error_rate_high: false, error_rate_zero: false, deploy_slow: false };

/**
 * Something other than the recovery agent asking the executor for actions (an
 * operator script, another module): what the RL intake gate exists to stop.
 */
export const cicdDirectCaller = defineModule({
  kind: 'agent',
  name: 'cicd-direct-caller',
  publishes: { metrics: { calls: 'Actions sent to the executor.', blocked: 'Calls a gate refused.' } },
  version: '1.0.0',
  description: 'Sends actions straight to the executor at fixed times, bypassing the recovery agent (tests the RL intake gate).',
  config: cicdDirectCallerConfig,
  events: { handles: [IntentRefused], emits: [{ event: Action, to: 'target' }] },
  validate: (config, scenario) => expectInstance(scenario, config.target, ['target'], ['cicd-environments']),
  create(config, ctx) {
    let calls = 0;
    let blocked = 0;
    return {
      start(sim) {
        // Each call is made at its time, so the gates review it then.
        config.calls.forEach((c, i) => sim.emit({ type: 'call', target: ctx.instance, delay: c.at, payload: { call: i } }));
      },
      handle: {
        call(e, sim) {
          const i = Number(e.payload.call);
          const c = config.calls[i]!;
          calls++;
          sim.emit(
            intent(Action, config.target, {
              decision: i,
              env: c.env,
              app: c.app,
              action: c.action,
              proposed: c.action,
              confidence: 1,
              explored: false,
              state: 'direct',
              decidedAt: sim.now,
              signals: NO_SIGNALS,
              context: { app: c.app, hasPreviousVersion: false, version: 0, replicas: 0 },
              gates: [],
            }),
          );
        },
        ...on(IntentRefused, () => {
          blocked++;
        }),
      },
      metrics: () => ({ calls, blocked }),
      summary: () => ({ calls, blocked }),
    };
  },
});
