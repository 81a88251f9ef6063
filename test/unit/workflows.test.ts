import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, '.github/workflows');

// Strict: a step with `continue-on-error` (which would let an invalid sweep
// upload) or any key this test doesn't know fails to parse.
const step = z
  .object({
    name: z.string().optional(),
    id: z.string().optional(),
    if: z.string().optional(),
    uses: z.string().optional(),
    run: z.string().optional(),
    with: z.record(z.string(), z.unknown()).optional(),
    env: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((s) => (s.uses === undefined) !== (s.run === undefined), { message: 'a step has exactly one of uses/run' });
type Step = z.infer<typeof step>;

const workflow = z
  .object({
    name: z.string(),
    // YAML 1.2 keeps `on` a string key; the yaml package follows 1.2.
    on: z.record(z.string(), z.unknown()),
    permissions: z.record(z.string(), z.enum(['read', 'write', 'none'])),
    concurrency: z.object({ group: z.string(), 'cancel-in-progress': z.boolean() }).optional(),
    env: z.record(z.string(), z.string()).optional(),
    defaults: z.object({ run: z.object({ shell: z.literal('bash') }) }),
    jobs: z.record(
      z.string(),
      z
        .object({
          'runs-on': z.string(),
          'timeout-minutes': z.number().int().positive(),
          permissions: z.record(z.string(), z.string()).optional(),
          env: z.record(z.string(), z.string()).optional(),
          steps: z.array(step).min(1),
        })
        .strict(),
    ),
  })
  .strict();
type Workflow = z.infer<typeof workflow>;

function load(file: string): { text: string; wf: Workflow } {
  const text = readFileSync(join(dir, file), 'utf8');
  return { text, wf: workflow.parse(parse(text)) };
}
const steps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((j) => j.steps);
const usesAction = (s: Step, action: string) => s.uses?.split('@')[0] === action;
const indexOf = (all: Step[], pred: (s: Step) => boolean) => all.findIndex(pred);

describe('GitHub workflows', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));

  it('are exactly ci, images and sweep, and each parses', () => {
    expect(files.sort()).toEqual(['ci.yml', 'images.yml', 'sweep.yml']);
    for (const f of files) expect(() => load(f), f).not.toThrow();
  });

  it('pin every action to a version and hold no static AWS credentials', () => {
    for (const f of files) {
      const { text, wf } = load(f);
      for (const s of steps(wf)) if (s.uses) expect(s.uses, `${f}: ${s.uses}`).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
      expect(text, f).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{16}/);
    }
  });

  it('request id-token: write exactly where OIDC role assumption is used', () => {
    for (const f of files) {
      const { wf } = load(f);
      const oidc = steps(wf).filter((s) => usesAction(s, 'aws-actions/configure-aws-credentials'));
      for (const s of oidc) expect(String(s.with?.['role-to-assume'] ?? ''), f).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
      expect(wf.permissions['id-token'] === 'write', f).toBe(oidc.length > 0);
      expect(wf.permissions.contents, f).toBe('read');
    }
  });

  it('ci runs .ci/run on pushes and pull requests', () => {
    const { wf } = load('ci.yml');
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(steps(wf).some((s) => s.run?.trim() === 'bash .ci/run')).toBe(true);
  });

  it('images builds on version tags and pushes to ECR after logging in', () => {
    const { wf } = load('images.yml');
    expect(Object.keys(wf.on)).toEqual(['push']);
    expect(wf.on.push).toEqual({ tags: ['v*.*.*'] });
    const all = steps(wf);
    const login = indexOf(all, (s) => usesAction(s, 'aws-actions/amazon-ecr-login'));
    const creds = indexOf(all, (s) => usesAction(s, 'aws-actions/configure-aws-credentials'));
    const build = indexOf(all, (s) => usesAction(s, 'docker/build-push-action'));
    expect(creds).toBeGreaterThanOrEqual(0);
    expect(creds).toBeLessThan(login);
    expect(login).toBeLessThan(build);
    expect(all[build]?.with).toMatchObject({ push: true, file: 'Dockerfile' });
    expect(String(all[build]?.with?.['build-args'])).toMatch(/REVISION=\$\{\{ github\.sha \}\}/);
  });

  it('sweep runs on dispatch and schedule, validates before any upload, and never uploads after a failure', () => {
    const { wf } = load('sweep.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const all = steps(wf);
    const validate = indexOf(all, (s) => /\bswarmlab\.js validate\b/.test(s.run ?? ''));
    expect(validate).toBeGreaterThan(0);
    const runs = all.map((s, i) => ({ s, i })).filter(({ s }) => /\bswarmlab\.js (run|submit)\b/.test(s.run ?? ''));
    expect(runs.map(({ s }) => /submit .*--wait/.test(s.run ?? '') || /swarmlab\.js run /.test(s.run ?? ''))).toEqual([true, true]);
    for (const { i } of runs) expect(i).toBeLessThan(validate);
    const uploads = all
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => usesAction(s, 'actions/upload-artifact') || /\baws s3 (cp|sync)\b/.test(s.run ?? ''));
    expect(uploads.length).toBe(2);
    for (const { s, i } of uploads) {
      expect(i).toBeGreaterThan(validate);
      // always()/failure() would upload results that did not validate.
      expect(s.if ?? '').not.toMatch(/always\(\)|failure\(\)|cancelled\(\)/);
    }
    expect(all[validate]?.if).toBeUndefined();
  });
});
