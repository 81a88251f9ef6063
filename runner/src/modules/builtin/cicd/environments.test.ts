import { describe, expect, it } from 'vitest';
import type { JsonObject } from 'swarmlab/sdk';
import { testModule } from 'swarmlab/sdk/testing';
import { cicdEnvironments } from './environments.ts';
import { cicdMonitor } from './monitor.ts';

const SIGNALS = { down: false, cpu_high: false, cpu_low: false, memory_high: false, memory_low: false, error_rate_high: false, error_rate_zero: false, deploy_slow: false };

function envs(config: Parameters<typeof testModule<typeof cicdEnvironments.config>>[1] extends infer O ? (O extends { config?: infer C } ? C : never) : never = {}) {
  return testModule(cicdEnvironments, { instance: 'environments', config: { environments: { dev: ['api', 'web'], stage: ['api'], prod: [] }, ...config } });
}

function action(env: string, app: string, act: string): JsonObject {
  return { decision: 0, env, app, action: act, proposed: act, confidence: 1, explored: false, state: `${env}:crash`, decidedAt: 0, signals: SIGNALS, context: { app, hasPreviousVersion: false, version: 1, replicas: 2 }, gates: [] };
}

describe('the environments (ground truth and executor)', () => {
  it('uptime per environment: the share of app-time not crashed, so far; SLA: the share of incidents resolved within slaRecovery', () => {
    const e = envs().start();
    e.takeEmitted();
    e.deliver('inject', { kind: 'crash', env: 'dev', app: 'api' }, { at: 100, source: 'injector' });
    const recover = e.takeEmitted().find((x) => x.intent.type === 'recover')!;
    e.deliver('recover', recover.intent.payload!, { at: 200, source: 'environments' });
    e.deliver('inject', { kind: 'crash', env: 'stage', app: 'api' }, { at: 500, source: 'injector' });
    const stageRecover = e.takeEmitted().find((x) => x.intent.type === 'recover')!;
    // Still down at 1000: the open crash counts up to now.
    e.deliver('scrape', {}, { at: 1000, source: 'environments' });
    // dev: 100 s down of 2 apps x 1000 s; stage: 500 s of 1000; prod has no app.
    expect(e.metrics()).toMatchObject({ uptimeDev: 0.95, uptimeStage: 0.5, uptimeProd: 1, uptime: 1 - 600 / 3000, slaMet: 1 });
    e.deliver('recover', stageRecover.intent.payload!, { at: 1100, source: 'environments' });
    const s = e.summary()!;
    expect(s.uptimeByEnvironment).toEqual({ dev: 1 - 100 / 2200, stage: 1 - 600 / 1100, prod: null });
    // 100 s is within the 300 s objective, 600 s is not.
    expect(s.sla).toEqual({ recoverySeconds: 300, met: 0.5, metByEnvironment: { dev: 1, stage: 0, prod: null } });
    // Only crashes are downtime: an overload degrades but the app is up.
    const o = envs().start();
    o.deliver('inject', { kind: 'cpu_overload', env: 'dev', app: 'api' }, { at: 10, source: 'injector' });
    o.deliver('scrape', {}, { at: 500, source: 'environments' });
    expect(o.metrics().uptimeDev).toBe(1);
  });

  it('an onboarded app joins its environment when deployed; its uptime counts from then', () => {
    const e = envs({ environments: { dev: [], stage: [], prod: [] } }).start();
    e.deliver('inject', { kind: 'crash', env: 'stage', app: 'demo-api' }, { at: 5, source: 'injector' });
    expect(e.summary()!.incidents).toBe(0);
    e.deliver('app.deploy', { request: 0, spec: { name: 'demo-api', repoUrl: 'https://github.com/x/demo-api', runtime: 'nodejs', environment: 'stage', replicas: 2, healthCheck: '/health', specVersion: '1' } }, { at: 100, source: 'onboarding' });
    e.deliver('inject', { kind: 'crash', env: 'stage', app: 'demo-api' }, { at: 150, source: 'injector' });
    e.deliver('scrape', {}, { at: 200, source: 'environments' });
    expect(e.summary()!.incidents).toBe(1);
    expect(e.metrics().uptimeStage).toBe(0.5);
    const telemetry = e.takeEmitted().filter((x) => x.intent.type === 'telemetry').at(-1)!;
    expect((telemetry.intent.payload!.apps as JsonObject[]).map((a) => [a.env, a.app, a.up])).toEqual([['stage', 'demo-api', 0]]);
  });

  it('the executor runs only the agent\'s actions: another source is refused and recorded, and the agent hears nothing of it', () => {
    const e = envs().start();
    e.takeEmitted();
    e.deliver('action', action('dev', 'api', 'restart'), { at: 10, source: 'operator-script' });
    const out = e.takeEmitted();
    expect(out.map((x) => [x.intent.type, x.intent.target])).toEqual([['executor.refused', 'environments']]);
    expect(out[0]!.intent.payload).toMatchObject({ source: 'operator-script', action: 'restart', reason: 'the executor takes actions from the agent (agent) only, not from operator-script' });
    expect(e.metrics().refusedByExecutor).toBe(1);
    e.deliver('action', action('dev', 'api', 'restart'), { at: 11, source: 'agent' });
    expect(e.takeEmitted().map((x) => x.intent.type)).toEqual(['effect']);
    e.deliver('action', action('dev', 'api', 'drop_database'), { at: 12, source: 'agent' });
    expect(e.takeEmitted().map((x) => [x.intent.type, x.intent.target])).toEqual([
      ['executor.refused', 'environments'],
      ['outcome', 'agent'],
    ]);
  });

  it('with sensorNoise 0 the sensors read exact values, and a scripted overload level is what they read', () => {
    const e = envs({ sensorNoise: 0 }).start();
    e.deliver('inject', { kind: 'cpu_overload', env: 'stage', app: 'api', cpu: 0.85 }, { at: 1, source: 'injector' });
    e.takeEmitted();
    e.deliver('scrape', {}, { at: 15, source: 'environments' });
    const apps = e.takeEmitted().find((x) => x.intent.type === 'telemetry')!.intent.payload!.apps as JsonObject[];
    expect(apps.find((a) => a.env === 'stage')).toMatchObject({ cpu: [0.85, 0.85], memory: [0.45, 0.45], errorRate: [0.004, 0.004] });
    expect(apps.find((a) => a.env === 'dev')).toMatchObject({ cpu: [0.3, 0.3] });
  });
});

describe('the monitor', () => {
  const reading = (over: JsonObject): JsonObject => ({ env: 'stage', app: 'api', up: 1, cpu: [0.3, 0.3], memory: [0.45, 0.45], errorRate: [0.004, 0.004], deploySeconds: 0, version: 1, hasPreviousVersion: false, replicas: 2, ...over });
  const signature = (over: JsonObject) => {
    const m = testModule(cicdMonitor, { instance: 'monitor' });
    m.deliver('telemetry', { apps: [reading(over)] }, { at: 15, source: 'environments' });
    return m.takeEmitted().map((x) => x.intent.payload!.signature);
  };

  it('names an anomaly every sensor confirms, at or above the threshold, and calls one only some sensors see a spike', () => {
    expect(signature({})).toEqual([]);
    expect(signature({ cpu: [0.85, 0.85] })).toEqual(['cpu']);
    expect(signature({ cpu: [0.97, 0.5] })).toEqual(['spike']);
    expect(signature({ memory: [0.45, 0.97] })).toEqual(['spike']);
    expect(signature({ memory: [0.95, 0.97] })).toEqual(['memory']);
    // Contradicting sensors are a spike; the signal-conflict gate sees cpu_high and cpu_low.
    expect(signature({ cpu: [0.01, 0.97] })).toEqual(['spike']);
    // A confirmed anomaly wins over a spike on another metric.
    expect(signature({ cpu: [0.97, 0.5], memory: [0.95, 0.95] })).toEqual(['memory']);
    expect(signature({ up: 0, cpu: [0, 0], memory: [0, 0], errorRate: [1, 1] })).toEqual(['crash']);
  });
});
