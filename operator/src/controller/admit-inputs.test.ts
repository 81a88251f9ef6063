import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { builtinRegistry, FileStore, openStore, sha256, type Experiment } from 'swarmlab';
import { admitInputs, InputAdmissions } from './admit-inputs.ts';
import type { ExperimentObject } from './deps.ts';
import { prepare } from './prepare.ts';

// A warm start names an earlier run's Q-tables; the operator fetches them
// before any Job, so a reference that cannot be resolved makes the Experiment
// Invalid at its field instead of failing every run with INVALID_SPEC.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const qtables = `${JSON.stringify({
  format: 'swarmlab.mesh-router.qtables',
  version: '1.0.0',
  router: 'router',
  observation: 'free4-latency3-price2/1',
  providers: ['a', 'b'],
  agents: [{ agent: 0, epsilon: 0.1, updates: 3, table: { f3l0p0: [0.5, 0.25] } }],
})}\n`;

/** A result set holding one finished run (run-000001) whose files are `files`. */
async function resultSet(files: Record<string, string>): Promise<FileStore> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-admit-'));
  dirs.push(dir);
  const store = new FileStore(dir);
  const entries = Object.entries(files).map(([name, text]) => ({ name, size: Buffer.byteLength(text), sha256: sha256(Buffer.from(text)) }));
  for (const [name, text] of Object.entries(files)) await store.put(`runs/run-000001/${name}`, text);
  const record = { schema_version: '2.1.0', run_id: 'run-000001', index: 1, seed: 2, params: {}, files: entries, digest: '0'.repeat(64) };
  await store.put('runs/run-000001/run.json', JSON.stringify(record));
  return store;
}

const scenario = (parse(readFileSync(new URL('../../../scenarios/mesh-routing.yaml', import.meta.url), 'utf8')) as { spec: { scenario: { modules: { name?: string; config: Record<string, unknown> }[] } } }).spec.scenario;
const routerIndex = scenario.modules.findIndex((m) => m.name === 'router');
const field = `spec.scenario.modules[${routerIndex}].config.warmStart`;

function warmStarted(warmStart: Record<string, string>): Experiment {
  const modules = structuredClone(scenario.modules);
  Object.assign(modules[routerIndex]!.config, { warmStart });
  const obj: ExperimentObject = { apiVersion: 'swarmlab.io/v1alpha1', kind: 'Experiment', metadata: { name: 'warm', namespace: 'lab', uid: 'u', generation: 1 }, spec: { scenario: { ...scenario, modules } } };
  const p = prepare(obj, 's3://results/x');
  if (!('exp' in p)) throw new Error(`the warm-started spec should pass prepare: ${p.invalid.message}`);
  return p.exp;
}

describe('admitInputs (a warm start\'s stored Q-tables, checked before any Job)', () => {
  it('admits a reference to the named bytes', async () => {
    const store = await resultSet({ 'qtables.json': qtables });
    const verdict = await admitInputs(warmStarted({ results: store.uri, run: 'run-000001', sha256: sha256(Buffer.from(qtables)) }), builtinRegistry, openStore);
    expect(verdict).toEqual({ admitted: true });
  });

  it('refuses a run the result set does not have, naming the field', async () => {
    const store = await resultSet({ 'qtables.json': qtables });
    const verdict = await admitInputs(warmStarted({ results: store.uri, run: 'run-000009', sha256: sha256(Buffer.from(qtables)) }), builtinRegistry, openStore);
    expect(verdict).toEqual({ invalid: { reason: 'InvalidSpec', message: expect.stringContaining(`${field}.run: `) } });
    expect('invalid' in verdict && verdict.invalid.message).toContain('no finished run run-000009');
  });

  it('refuses another sha256 than the run recorded, naming the field', async () => {
    const store = await resultSet({ 'qtables.json': qtables });
    const verdict = await admitInputs(warmStarted({ results: store.uri, run: 'run-000001', sha256: 'f'.repeat(64) }), builtinRegistry, openStore);
    expect(verdict).toEqual({ invalid: { reason: 'InvalidSpec', message: expect.stringContaining(`${field}.sha256: `) } });
  });

  it('refuses a file that is not Q-tables, naming the reference', async () => {
    const text = '{"not":"qtables"}\n';
    const store = await resultSet({ 'qtables.json': text });
    const verdict = await admitInputs(warmStarted({ results: store.uri, run: 'run-000001', sha256: sha256(Buffer.from(text)) }), builtinRegistry, openStore);
    expect(verdict).toEqual({ invalid: { reason: 'InvalidSpec', message: expect.stringContaining(`${field}: `) } });
    expect('invalid' in verdict && verdict.invalid.message).toContain('not a swarmlab.mesh-router.qtables file');
  });

  it('keeps a verdict per spec digest: the files are not fetched again on every pass', async () => {
    const store = await resultSet({ 'qtables.json': qtables });
    const exp = warmStarted({ results: store.uri, run: 'run-000009', sha256: sha256(Buffer.from(qtables)) });
    const admissions = new InputAdmissions(builtinRegistry, openStore);
    const first = await admissions.get(exp, 'u', 'd1');
    expect(first).toMatchObject({ invalid: { reason: 'InvalidSpec' } });
    // The run appears after the first verdict: the same digest keeps the verdict, a new spec is checked anew.
    await store.put('runs/run-000009/qtables.json', qtables);
    await store.put('runs/run-000009/run.json', JSON.stringify({ schema_version: '2.1.0', run_id: 'run-000009', index: 9, seed: 10, params: {}, files: [{ name: 'qtables.json', size: Buffer.byteLength(qtables), sha256: sha256(Buffer.from(qtables)) }], digest: '0'.repeat(64) }));
    expect(await admissions.get(exp, 'u', 'd1')).toEqual(first);
    expect(await admissions.get(exp, 'u', 'd2')).toEqual({ admitted: true });
  });
});
