// Every design method on the local control plane: each Experiment, applied
// with kubectl to the chart's operator, runs the design's points (planned in
// the operator's pod and in the run pods from the same spec) and reaches
// Complete with the manifest digest of `swarmlab run`; its tables and report
// download as swarmlab run's bytes. The sensitivity analysis of the cluster's
// stored Saltelli and Morris results is the one computed from local results.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installChart, type ChartRelease } from '../cluster/chart-release.ts';
import { waitForPhase } from '../cluster/operator-fixture.ts';
import { useCluster } from '../cluster/harness.ts';
import { expectDownloadIsLocal, storeEnv, swarmlab } from '../cluster/local-cli.ts';

const cluster = useCluster('designs');
let release: ChartRelease | undefined;
const dir = mkdtempSync(join(tmpdir(), 'swarmlab-designs-'));

const parameters = `      parameters:
        - { param: f.x1, distribution: uniform, min: -3.141592653589793, max: 3.141592653589793 }
        - { param: f.x2, distribution: log-uniform, min: 0.01, max: 3.141592653589793 }
        - { param: f.x3, distribution: integer, min: -3, max: 3 }
`;

/** The Ishigami function over three parameters (each distribution but categorical, which the function has none of), by the given design. */
const experiment = (name: string, design: string) => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules:
      - { kind: agent, module: test-function, name: f, config: { function: ishigami, a: 7, b: 0.1 } }
    horizon: { time: 1 }
  sweep:
    seeds: { base: 5 }
    design:
${design}${parameters}  output: { trace: { level: final } }
`;

const designs: Record<string, { design: string; analyze?: 'sobol' | 'morris' }> = {
  'design-random': { design: '      method: random\n      samples: 6\n' },
  'design-lhs': { design: '      method: latin-hypercube\n      samples: 6\n      maximin: true\n' },
  'design-sobol': { design: '      method: sobol\n      samples: 8\n' },
  'design-saltelli': { design: '      method: saltelli\n      samples: 8\n', analyze: 'sobol' },
  'design-morris': { design: '      method: morris\n      trajectories: 4\n      levels: 4\n', analyze: 'morris' },
};

const local = new Map<string, { total: number; manifestDigest: string }>();

beforeAll(async () => {
  release = await installChart(cluster, { release: 'designs' });
  for (const [name, d] of Object.entries(designs)) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, experiment(name, d.design));
    const applied = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
  }
  for (const name of Object.keys(designs)) {
    const ran = await swarmlab(['run', join(dir, `${name}.yaml`), '--json', '--workers', '2', '--store', `file://${join(dir, 'results')}`], { SWARMLAB_S3_ENDPOINT: '' });
    expect(ran.code, ran.stderr).toBe(0);
    local.set(name, JSON.parse(ran.stdout) as { total: number; manifestDigest: string });
  }
}, 600_000);
afterAll(() => release?.uninstall());

/** The indices `swarmlab analyze --json` gives for a result set, without where it wrote them. */
async function analysis(target: string, method: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  const out = await swarmlab(['analyze', target, '--method', method, '--json'], env);
  expect(out.code, out.stderr).toBe(0);
  const sets = (JSON.parse(out.stdout) as { sets: { analysis: unknown }[] }).sets;
  expect(sets).toHaveLength(1);
  return sets[0]!.analysis;
}

describe('design methods on the local control plane', () => {
  for (const [name, d] of Object.entries(designs)) {
    it(`${name}: kubectl apply runs the design's points to swarmlab run's manifest digest and bytes${d.analyze ? `, and analyze --method ${d.analyze} of the stored results is the local one` : ''}`, { timeout: 600_000 }, async () => {
      const want = local.get(name)!;
      const done = await waitForPhase(cluster, name, 'Complete', 500_000);
      expect(done.runs?.succeeded).toBe(want.total);
      expect(done.manifestDigest).toBe(want.manifestDigest);
      const localSet = join(dir, 'results', name, (done.specDigest ?? '').slice(0, 16));
      await expectDownloadIsLocal(cluster, name, { localSet, into: join(dir, 'downloaded', name) });
      if (d.analyze) {
        expect(done.resultsURI).toMatch(/^s3:\/\//);
        const stored = await analysis(done.resultsURI!, d.analyze, storeEnv(cluster));
        expect(stored).toEqual(await analysis(localSet, d.analyze, { SWARMLAB_S3_ENDPOINT: '' }));
      }
    });
  }
});
