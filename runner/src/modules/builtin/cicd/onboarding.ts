import { defineModule, expectInstance, intent, on, z } from 'swarmlab/sdk';
import { ENVIRONMENTS } from './common.ts';
import { AppDeploy, Onboard, OnboardingChecked, type AppSpec, type OnboardingIssue } from './events.ts';

/** Runtimes the onboarding template knows. */
export const RUNTIMES = ['nodejs', 'python', 'java', 'go', 'dotnet', 'ruby', 'static'] as const;

/** Characters that have a meaning to a shell or a template; no field may hold one. */
const INJECTION = /[;|&$`<>\\'"\n\r\t{}]|\.\.|\$\(/;
const NAME = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

export interface AppRequest {
  readonly name: string;
  readonly repoUrl: string;
  readonly runtime: string;
  readonly environment: string;
}

/**
 * The deterministic onboarding rules: nothing is guessed or corrected, a
 * request either passes every rule or is refused with every rule it breaks.
 * `known` holds `env/name` of apps already onboarded (names are unique per environment).
 */
export function checkAppRequest(r: AppRequest, known: ReadonlySet<string>): OnboardingIssue[] {
  const issues: OnboardingIssue[] = [];
  const fields: (keyof AppRequest)[] = ['name', 'repoUrl', 'runtime', 'environment'];
  for (const f of fields) {
    if (INJECTION.test(r[f])) issues.push({ field: f, code: 'INJECTION_DETECTED', message: `${f} holds shell or template characters (; | & $ \` < > \\ quotes braces .. or a line break)` });
  }
  if (!NAME.test(r.name)) {
    issues.push({ field: 'name', code: 'INVALID_NAME', message: 'name must be 3-40 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen' });
  }
  issues.push(...checkRepoUrl(r.repoUrl));
  if (!(RUNTIMES as readonly string[]).includes(r.runtime)) issues.push({ field: 'runtime', code: 'UNKNOWN_RUNTIME', message: `runtime must be one of ${RUNTIMES.join(', ')}` });
  if (r.environment === 'prod') {
    issues.push({ field: 'environment', code: 'PROD_ONBOARDING_BLOCKED', message: 'onboarding straight into prod is refused by the production safety guard; onboard into dev or stage' });
  } else if (!(ENVIRONMENTS as readonly string[]).includes(r.environment)) {
    issues.push({ field: 'environment', code: 'UNKNOWN_ENVIRONMENT', message: 'environment must be dev or stage' });
  } else if (known.has(`${r.environment}/${r.name}`)) {
    issues.push({ field: 'name', code: 'DUPLICATE_APP', message: `an app named ${r.name} is already onboarded in ${r.environment}` });
  }
  return issues;
}

function checkRepoUrl(url: string): OnboardingIssue[] {
  const bad = (message: string): OnboardingIssue[] => [{ field: 'repoUrl', code: 'INVALID_REPO_URL', message }];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return bad('repoUrl is not a URL; expected https://host/owner/repo');
  }
  if (u.protocol !== 'https:') return bad(`repoUrl must use https, not ${u.protocol.replace(/:$/, '')}`);
  if (u.username !== '' || u.password !== '') return bad('repoUrl must not carry credentials');
  if (u.search !== '' || u.hash !== '') return bad('repoUrl must not carry a query or a fragment');
  if (u.pathname.split('/').filter((s) => s !== '').length < 2) return bad('repoUrl must name a repository: https://host/owner/repo');
  return [];
}

const request = z
  .object({
    at: z.number().min(0).default(0).describe('Logical time the request arrives.'),
    name: z.string().max(256).describe('App name (checked at onboarding, not here: a bad name is refused in the proof log).'),
    repoUrl: z.string().max(2048).describe('Repository URL (checked at onboarding).'),
    runtime: z.string().max(64).default('nodejs').describe(`Runtime (checked at onboarding: ${RUNTIMES.join(', ')}).`),
    environment: z.string().max(16).default('stage').describe('Environment to onboard into (checked at onboarding: dev or stage; prod is refused).'),
  })
  .strict();

export const cicdOnboardingConfig = z
  .object({
    target: z.string().min(1).default('environments').describe('Environments instance onboarded apps are deployed into.'),
    requests: z.array(request).max(64).default([]).describe('Onboarding requests, as submitted; the model validates them, so a bad one is refused in the proof log, not by the spec.'),
    replicas: z.number().int().min(1).default(2).describe('Replicas the generated spec starts with (template value).'),
    healthCheck: z.string().min(1).default('/health').describe('Health check path the generated spec carries (template value).'),
  })
  .strict();

/**
 * Application onboarding: each request is validated by fixed rules; a passing
 * one becomes an app_spec filled in from the template and is deployed into its
 * environment, a failing one is refused with every issue. Both outcomes are
 * `onboarding.checked` events, so the proof log shows them.
 */
export const cicdOnboarding = defineModule({
  kind: 'agent',
  name: 'cicd-onboarding',
  publishes: { metrics: { onboarded: 'Requests that passed and were deployed.', onboardingRefused: 'Requests refused at validation.' } },
  version: '1.0.0',
  description: 'Validates application onboarding requests deterministically (name, https repo URL, no injection characters, no prod), generates the app spec and triggers its deployment.',
  config: cicdOnboardingConfig,
  events: {
    handles: [Onboard, OnboardingChecked],
    emits: [
      { event: Onboard, to: 'self' },
      { event: OnboardingChecked, to: 'self' },
      { event: AppDeploy, to: 'target' },
    ],
  },
  validate: (config, scenario) => expectInstance(scenario, config.target, ['target'], ['cicd-environments']),
  create(config, ctx) {
    const known = new Set<string>();
    let onboarded = 0;
    let refused = 0;
    const byCode: Record<string, number> = {};
    return {
      start(sim) {
        config.requests.forEach((r, i) => {
          sim.emit(intent(Onboard, ctx.instance, { request: i, name: r.name, repoUrl: r.repoUrl, runtime: r.runtime, environment: r.environment }, { delay: r.at }));
        });
      },
      handle: {
        ...on(Onboard, (r, _e, sim) => {
          const issues = checkAppRequest(r, known);
          const base = { request: r.request, name: r.name, environment: r.environment, issues };
          if (issues.length > 0) {
            sim.emit(intent(OnboardingChecked, ctx.instance, { ...base, passed: false }));
            return;
          }
          known.add(`${r.environment}/${r.name}`);
          const spec: AppSpec = { name: r.name, repoUrl: r.repoUrl, runtime: r.runtime, environment: r.environment, replicas: config.replicas, healthCheck: config.healthCheck, specVersion: '1' };
          sim.emit(intent(OnboardingChecked, ctx.instance, { ...base, passed: true, spec }));
        }),
        ...on(OnboardingChecked, (c, _e, sim) => {
          if (!c.passed || !c.spec) {
            refused++;
            for (const i of c.issues) byCode[i.code] = (byCode[i.code] ?? 0) + 1;
            return;
          }
          onboarded++;
          sim.emit(intent(AppDeploy, config.target, { request: c.request, spec: c.spec }));
        }),
      },
      metrics: () => ({ onboarded, onboardingRefused: refused }),
      summary: () => ({ onboarded, refused, issuesByCode: { ...byCode } }),
    };
  },
});
