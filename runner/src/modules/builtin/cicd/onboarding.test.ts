import { describe, expect, it } from 'vitest';
import type { JsonObject } from 'swarmlab/sdk';
import { testModule } from 'swarmlab/sdk/testing';
import { checkAppRequest, cicdOnboarding, type AppRequest } from './onboarding.ts';

const good: AppRequest = { name: 'demo-api', repoUrl: 'https://github.com/example/demo-api', runtime: 'nodejs', environment: 'stage' };
const codes = (r: Partial<AppRequest>, known: ReadonlySet<string> = new Set()) => checkAppRequest({ ...good, ...r }, known).map((i) => `${i.field}:${i.code}`);

describe('onboarding validation', () => {
  it('passes a well-formed request into dev or stage', () => {
    expect(codes({})).toEqual([]);
    expect(codes({ environment: 'dev', runtime: 'python', repoUrl: 'https://gitlab.example.org/group/sub/repo.git' })).toEqual([]);
  });

  it('refuses bad repository URLs: not a URL, file://, http, ssh, credentials, no repository path', () => {
    for (const repoUrl of ['github.com/example/demo', 'file:///etc/passwd', 'http://github.com/example/demo', 'ssh://git@github.com/example/demo', 'https://user:secret@github.com/example/demo', 'https://github.com/example', 'https://github.com/example/demo?ref=main']) {
      expect(codes({ repoUrl }), repoUrl).toEqual(['repoUrl:INVALID_REPO_URL']);
    }
  });

  it('refuses shell and template injection characters in any field', () => {
    expect(codes({ name: 'api;rm -rf' })).toEqual(['name:INJECTION_DETECTED', 'name:INVALID_NAME']);
    expect(codes({ repoUrl: 'https://github.com/example/demo-api$(whoami)' })).toContain('repoUrl:INJECTION_DETECTED');
    expect(codes({ repoUrl: 'https://github.com/example/`id`' })).toContain('repoUrl:INJECTION_DETECTED');
    expect(codes({ runtime: 'nodejs && curl x' })).toEqual(['runtime:INJECTION_DETECTED', 'runtime:UNKNOWN_RUNTIME']);
    expect(codes({ name: 'api{{7*7}}' })).toContain('name:INJECTION_DETECTED');
    expect(codes({ repoUrl: 'https://github.com/example/../../etc' })).toContain('repoUrl:INJECTION_DETECTED');
  });

  it('refuses onboarding into prod, unknown environments and runtimes, bad names and duplicates', () => {
    expect(codes({ environment: 'prod' })).toEqual(['environment:PROD_ONBOARDING_BLOCKED']);
    expect(codes({ environment: 'qa' })).toEqual(['environment:UNKNOWN_ENVIRONMENT']);
    expect(codes({ runtime: 'cobol' })).toEqual(['runtime:UNKNOWN_RUNTIME']);
    for (const name of ['Demo-Api', 'a', '-api', 'api-', '9api', 'api_v2']) expect(codes({ name }), name).toEqual(['name:INVALID_NAME']);
    expect(codes({}, new Set(['stage/demo-api']))).toEqual(['name:DUPLICATE_APP']);
    expect(codes({ environment: 'dev' }, new Set(['stage/demo-api']))).toEqual([]);
  });

  it('the module deploys a passing request with the generated spec and refuses a bad one with every issue, nothing guessed', () => {
    const m = testModule(cicdOnboarding, {
      instance: 'onboarding',
      config: {
        requests: [
          { at: 0, ...good },
          { at: 5, name: 'Bad App', repoUrl: 'file:///etc/passwd', environment: 'prod' },
          { at: 9, ...good },
        ],
      },
    }).start();
    const requests = m.takeEmitted();
    expect(requests.map((r) => [r.intent.type, r.intent.delay])).toEqual([
      ['onboard', 0],
      ['onboard', 5],
      ['onboard', 9],
    ]);
    const check = (i: number, at: number) => {
      m.deliver('onboard', requests[i]!.intent.payload!, { at, source: 'onboarding' });
      const [checked] = m.takeEmitted();
      m.deliver('onboarding.checked', checked!.intent.payload!, { at, source: 'onboarding' });
      return { checked: checked!.intent.payload!, then: m.takeEmitted() };
    };
    const ok = check(0, 0);
    expect(ok.checked).toMatchObject({ passed: true, issues: [] });
    expect(ok.then.map((e) => [e.intent.type, e.intent.target, (e.intent.payload!.spec as JsonObject).name])).toEqual([['app.deploy', 'environments', 'demo-api']]);
    expect(ok.then[0]!.intent.payload!.spec).toEqual({ ...good, replicas: 2, healthCheck: '/health', specVersion: '1' });
    const bad = check(1, 5);
    expect(bad.checked.passed).toBe(false);
    expect((bad.checked.issues as JsonObject[]).map((i) => i.code)).toEqual(['INVALID_NAME', 'INVALID_REPO_URL', 'PROD_ONBOARDING_BLOCKED']);
    expect(bad.then).toEqual([]);
    const again = check(2, 9);
    expect((again.checked.issues as JsonObject[]).map((i) => i.code)).toEqual(['DUPLICATE_APP']);
    expect(m.summary()).toEqual({ onboarded: 1, refused: 2, issuesByCode: { INVALID_NAME: 1, INVALID_REPO_URL: 1, PROD_ONBOARDING_BLOCKED: 1, DUPLICATE_APP: 1 } });
  });
});
