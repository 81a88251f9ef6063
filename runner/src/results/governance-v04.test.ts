import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { GovernanceRecord } from '../modules/builtin/governance/cascade.ts';
import { GovernanceV04Record } from '../modules/builtin/governance/v04/record.ts';
import { readManifest } from '../outputs/read-manifest.ts';
import { Provenance } from '../outputs/schemas.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { ResultsLayout } from '../store/layout.ts';
import { governanceV04Lines } from './governance-v04.ts';

const work = mkdtempSync(join(tmpdir(), 'swarmlab-v04-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const spec = (name: string, network: string, governance = '', replicas = 2) => `
apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules:
      - { kind: network, ${network} }
      - { kind: agent, module: governance-cascade, name: governance, config: { agents: 12, network: influence${governance} } }
    horizon: { events: 1000 }
  sweep:
    seeds: { base: 5, replicas: ${replicas} }
    grid:
      - { param: governance.conformityThreshold, values: [0.3, 0.6] }
`;
const ER = 'module: erdos-renyi, name: influence, config: { size: 12, p: 0.3 }';

async function stored(name: string, yaml: string) {
  const store = new FileStore(join(work, name));
  const r = await runLocal(parseExperimentText(yaml), { store, registry: builtinRegistry, workers: 1 });
  expect(r.failed).toBe(0);
  const layout = new ResultsLayout(`${name}/${readdirSync(join(work, name, name))[0]!}`);
  return { store, layout, manifest: await readManifest(store, layout.manifest) };
}

describe('governance v0.4 lines of a result set', { timeout: 60_000 }, () => {
  it('one valid v0.4 line per run, from its record, seed and provenance, with its own stable UUID', async () => {
    const set = await stored('gov-er', spec('gov-er', ER));
    const lines = await governanceV04Lines(set.store, set.layout, set.manifest);
    expect(lines).toHaveLength(4);
    const records = lines.map((l) => GovernanceV04Record.parse(JSON.parse(l)));
    expect(new Set(records.map((r) => r.run_id)).size).toBe(4);
    for (const [i, r] of records.entries()) {
      const run = set.manifest.runs[i]!;
      const dir = join(work, 'gov-er', set.layout.root);
      const own = GovernanceRecord.parse(JSON.parse(readFileSync(join(dir, 'runs', run.run_id, 'governance_record.json'), 'utf8')));
      const provenance = Provenance.parse(JSON.parse(readFileSync(join(dir, 'provenance', `${run.run_id}.json`), 'utf8')));
      expect(r).toMatchObject({ seed: run.seed, timestamp: provenance.started_at, influence_model: 'erdos_renyi', flips: own.flips, cascade_rounds: own.cascade_rounds, final_votes: own.final_votes });
      expect(r.conformity_threshold).toBe(run.params['governance.conformityThreshold']);
      expect(r.agents.map((a) => a.final_vote)).toEqual(own.agents.map((a) => a.final_vote));
    }
    // The same result set exports the same lines.
    expect(await governanceV04Lines(set.store, set.layout, set.manifest)).toEqual(lines);
  });

  it('a small-world network is small_world; threshold mode and a grid network are refused naming the run', async () => {
    const ws = await stored('gov-ws', spec('gov-ws', 'module: watts-strogatz, name: influence, config: { size: 12, k: 4, beta: 0.1 }', '', 1));
    expect((await governanceV04Lines(ws.store, ws.layout, ws.manifest)).map((l) => (JSON.parse(l) as { influence_model: string }).influence_model)).toEqual(Array(2).fill('small_world'));
    const th = await stored('gov-th', spec('gov-th', ER, ', mode: threshold', 1));
    await expect(governanceV04Lines(th.store, th.layout, th.manifest)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^run-000000: mode threshold/) });
    const grid = await stored('gov-grid', spec('gov-grid', 'module: grid-2d, name: influence, config: { width: 4, height: 3 }', '', 1));
    await expect(governanceV04Lines(grid.store, grid.layout, grid.manifest)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('grid-2d') });
  });
});
