import { defineEvent, jsonValue, z } from 'swarmlab/sdk';

// The events the CI/CD modules send each other, with their payload schemas.

const signals = z
  .object({
    down: z.boolean(),
    cpu_high: z.boolean(),
    cpu_low: z.boolean(),
    memory_high: z.boolean(),
    memory_low: z.boolean(),
    error_rate_high: z.boolean(),
    error_rate_zero: z.boolean(),
    deploy_slow: z.boolean(),
  })
  .describe('Health signals from the threshold rules, two sensors per metric.');

const appContext = z
  .object({
    app: z.string(),
    hasPreviousVersion: z.boolean(),
    version: z.number(),
    replicas: z.number(),
  })
  .describe('What the executor needs to know about the app.');

const reading = z.object({
  env: z.string(),
  app: z.string(),
  up: z.union([z.literal(0), z.literal(1)]),
  cpu: z.array(z.number()).describe('CPU utilisation, one value per sensor.'),
  memory: z.array(z.number()).describe('Memory utilisation, one value per sensor.'),
  errorRate: z.array(z.number()).describe('Error rate, one value per sensor.'),
  deploySeconds: z.number(),
  version: z.number(),
  hasPreviousVersion: z.boolean(),
  replicas: z.number(),
});

/** One app's telemetry. */
export type Reading = z.infer<typeof reading>;

export const Telemetry = defineEvent('telemetry', z.object({ apps: z.array(reading) }), 'One scrape of every app: two sensors per metric.');

export const Alert = defineEvent(
  'alert',
  z.object({
    env: z.string(),
    app: z.string(),
    signature: z.enum(['crash', 'errors', 'cpu', 'memory', 'slow']).describe('The first anomaly in the order down, errors, cpu, memory, slow.'),
    signals,
    context: appContext,
  }),
  'An app shows an anomaly.',
);

const gateEntry = z
  .object({ gate: z.string(), decision: z.enum(['pass', 'rewrite']) })
  .catchall(jsonValue)
  .describe('One gate decision of the trail; a rewrite adds from, to, code, reason and details.');

export const Action = defineEvent(
  'action',
  z.object({
    decision: z.number().int().describe('The agent\'s decision id.'),
    env: z.string(),
    app: z.string(),
    action: z.string().describe('The action to run (a gate may have rewritten it).'),
    proposed: z.string().describe('The action the agent proposed.'),
    confidence: z.number(),
    explored: z.boolean(),
    state: z.string().describe('The learner\'s state, env:signature.'),
    signals,
    context: appContext,
    gates: z.array(gateEntry).describe('The gate trail, appended to by each gate.'),
  }),
  'A recovery action the agent proposes; the gates review it on its way to the executor.',
);

export const Outcome = defineEvent(
  'outcome',
  z.object({
    decision: z.number().int(),
    state: z.string(),
    proposed: z.string(),
    executed: z.string().describe('The action executed; `none` when the executor refused it.'),
    resolved: z.boolean(),
    fixed: z.boolean().optional(),
    falseAlarm: z.boolean(),
    refusedByExecutor: z.boolean().optional(),
  }),
  'What came of an action: executed or not, and whether the incident is resolved.',
);

export const ActionExecuted = defineEvent(
  'action.executed',
  z.object({ env: z.string(), app: z.string(), action: z.string() }),
  'The executor ran an action (stateful gates count them).',
);

export const Inject = defineEvent(
  'inject',
  z.object({ kind: z.enum(['deploy', 'crash', 'cpu_overload', 'memory_overload', 'slow_deploy', 'false_alarm']), env: z.string(), app: z.string() }),
  'A deploy, failure or false alarm hits an app.',
);
