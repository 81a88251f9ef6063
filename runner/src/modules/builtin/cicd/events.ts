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
    signature: z
      .enum(['crash', 'errors', 'cpu', 'memory', 'slow', 'spike'])
      .describe('The first anomaly every sensor confirms, in the order down, errors, cpu, memory, slow; spike when only some sensors see one.'),
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
    decidedAt: z.number().describe('Logical time of the decision (the gates review it then; the executor gets it after the dispatch latency).'),
    mode: z.enum(['deterministic', 'adaptive']).optional().describe('The learning mode of the decision\'s environment; absent when the action does not come from a learner.'),
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
    env: z.string(),
    app: z.string(),
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

/** What the injector can send: runtime events (deploy, scale) and failures. */
export const INJECT_KINDS = ['deploy', 'scale', 'crash', 'cpu_overload', 'memory_overload', 'slow_deploy', 'false_alarm'] as const;
/** Injected kinds that are normal operation rather than a failure. */
export const RUNTIME_KINDS: readonly string[] = ['deploy', 'scale'];

export const Inject = defineEvent(
  'inject',
  z.object({
    kind: z.enum(INJECT_KINDS),
    env: z.string(),
    app: z.string(),
    cpu: z.number().min(0).max(1).optional().describe('cpu_overload: the CPU utilisation it drives the app to (default 0.95).'),
    memory: z.number().min(0).max(1).optional().describe('memory_overload: the memory utilisation it drives the app to (default 0.96).'),
    replicas: z.number().int().min(1).optional().describe('scale: the replica count to scale to.'),
  }),
  'A runtime event (deploy, scale), failure or false alarm hits an app.',
);

const appSpecFields = {
  name: z.string(),
  repoUrl: z.string(),
  runtime: z.string(),
  environment: z.string(),
};

export const Onboard = defineEvent(
  'onboard',
  z.object({ request: z.number().int(), ...appSpecFields }),
  'An application onboarding request arrives, as submitted (not yet validated).',
);

const onboardingIssue = z.object({ field: z.string(), code: z.string(), message: z.string() });
export type OnboardingIssue = z.infer<typeof onboardingIssue>;

const appSpec = z
  .object({ ...appSpecFields, replicas: z.number().int().min(1), healthCheck: z.string(), specVersion: z.string() })
  .describe('The generated app_spec: the validated request filled in from the template.');
export type AppSpec = z.infer<typeof appSpec>;

export const OnboardingChecked = defineEvent(
  'onboarding.checked',
  z.object({
    request: z.number().int(),
    name: z.string(),
    environment: z.string(),
    passed: z.boolean(),
    issues: z.array(onboardingIssue).describe('Every rule the request breaks; empty when it passed.'),
    spec: appSpec.optional().describe('The generated app_spec, when the request passed.'),
  }),
  'The deterministic validation of an onboarding request: passed with the generated spec, or refused with every issue.',
);

export const AppDeploy = defineEvent('app.deploy', z.object({ request: z.number().int(), spec: appSpec }), 'Deploy an onboarded application into its environment.');

export const ExecutorRefused = defineEvent(
  'executor.refused',
  z.object({ seq: z.number().int().describe('Sequence number of the refused action event.'), decision: z.number().int(), source: z.string(), env: z.string(), app: z.string(), action: z.string(), reason: z.string() }),
  'The executor refused an action that reached it (not from the agent, unknown action or app); recorded for the proof log.',
);
