import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { builtinRegistry } from '../../../modules/builtin-registry.ts';
import { parseExperimentText } from '../../../spec/load.ts';
import { FileStore } from '../../../store/file-store.ts';
import { runLocal } from '../../../run/local-executor.ts';
import { isSwarmlabError, type SwarmlabError } from '../../../errors.ts';
import { RunRecord } from '../../../outputs/schemas.ts';

// A warm start names an earlier run's Q-tables by result set URI, run id and
// sha256; `swarmlab run` fetches and checks them before any run.

const dirs: string[] = [];
function store(): FileStore {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-warm-'));
  dirs.push(dir);
  return new FileStore(dir);
}
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const scenarioFile = new URL('../../../../../scenarios/mesh-routing.yaml', import.meta.url);
interface Doc {
  metadata: { name: string };
  spec: { scenario: { modules: { name?: string; module: string; config: Record<string, unknown> }[]; horizon: { time: number } }; sweep: unknown; output?: unknown };
}

/** A short learned mesh run (seeds 1 and 2), optionally warm-started. */
function experiment(name: string, warmStart?: Record<string, string>) {
  const doc = parse(readFileSync(scenarioFile, 'utf8')) as Doc;
  doc.metadata.name = name;
  doc.spec.sweep = { seeds: { list: [1, 2] } };
  doc.spec.output = { trace: { level: 'final' } };
  doc.spec.scenario.horizon.time = 40;
  const router = doc.spec.scenario.modules.find((m) => m.name === 'router')!;
  Object.assign(router.config, { episodes: 4, ...(warmStart ? { warmStart } : {}) });
  return parseExperimentText(stringify(doc));
}

async function refusal(p: Promise<unknown>): Promise<SwarmlabError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isSwarmlabError(e)) throw new Error(`expected a SwarmlabError, got ${String(e)}`);
  return e;
}

describe('warm start from a stored run', { timeout: 300_000 }, () => {
  const earlier = store();
  const trained = runLocal(experiment('mesh-train'), { store: earlier, registry: builtinRegistry, workers: 1 });

  async function reference(run = 'run-000001', from = earlier, training = trained) {
    const r = await training;
    const rec = RunRecord.parse(JSON.parse((await from.get(`mesh-train/${r.manifest.experiment.spec_digest.slice(0, 16)}/runs/${run}/run.json`))!.toString()));
    return { results: r.resultsUri, run, sha256: rec.files.find((f) => f.name === 'qtables.json')!.sha256 };
  }

  it('runs from the named Q-tables, reproducibly, with one worker or two', async () => {
    const ref = await reference();
    const one = await runLocal(experiment('mesh-warm', ref), { store: store(), registry: builtinRegistry, workers: 1 });
    expect(one.succeeded).toBe(2);
    const two = await runLocal(experiment('mesh-warm', ref), { store: store(), registry: builtinRegistry, workers: 2 });
    expect(two.manifest.digest).toBe(one.manifest.digest);
    // Another reference is another experiment: the spec digest covers it.
    const other = await runLocal(experiment('mesh-warm', await reference('run-000000')), { store: store(), registry: builtinRegistry, workers: 1 });
    expect(other.manifest.experiment.spec_digest).not.toBe(one.manifest.experiment.spec_digest);
  });

  it('refuses a missing run, a missing file and another hash before any run, naming the field', async () => {
    const ref = await reference();
    const field = 'spec.scenario.modules[3].config.warmStart';
    const target = store();
    const noRun = await refusal(runLocal(experiment('mesh-warm', { ...ref, run: 'run-000009' }), { store: target, registry: builtinRegistry, workers: 1 }));
    expect(noRun).toMatchObject({ code: 'INVALID_SPEC', path: `${field}.run` });
    expect(noRun.message).toContain('no finished run run-000009');
    expect(noRun.exitCode).toBe(2);
    const noFile = await refusal(runLocal(experiment('mesh-warm', { ...ref, file: 'tables.json' }), { store: target, registry: builtinRegistry, workers: 1 }));
    expect(noFile).toMatchObject({ code: 'INVALID_SPEC', path: `${field}.file` });
    const wrongHash = await refusal(runLocal(experiment('mesh-warm', { ...ref, sha256: 'b'.repeat(64) }), { store: target, registry: builtinRegistry, workers: 1 }));
    expect(wrongHash).toMatchObject({ code: 'INVALID_SPEC', path: `${field}.sha256` });
    const nowhere = await refusal(runLocal(experiment('mesh-warm', { ...ref, results: `${ref.results}-gone` }), { store: target, registry: builtinRegistry, workers: 1 }));
    expect(nowhere).toMatchObject({ code: 'INVALID_SPEC', path: `${field}.run` });
    // Nothing ran.
    expect(await target.list('')).toEqual([]);
  });

  it('refuses stored bytes changed after the run, though the spec and run.json agree', async () => {
    // A result set of its own: a process keeps the bytes it fetched and checked once.
    const copy = store();
    const ref = await reference('run-000000', copy, runLocal(experiment('mesh-train'), { store: copy, registry: builtinRegistry, workers: 1 }));
    const file = join(new URL(ref.results).pathname, 'runs/run-000000/qtables.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"epsilon":', '"epsilon": '));
    const e = await refusal(runLocal(experiment('mesh-warm2', ref), { store: store(), registry: builtinRegistry, workers: 1 }));
    expect(e).toMatchObject({ code: 'INVALID_SPEC', path: 'spec.scenario.modules[3].config.warmStart.sha256' });
    expect(e.message).toContain('changed after the run');
  });
});
