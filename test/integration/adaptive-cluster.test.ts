// Adaptive sweeps both ways: the same Experiment file, applied with kubectl to
// the local control plane (the chart's operator runs each round as its own
// Job, decided from the results of the rounds before) and run with `swarmlab
// run`, gives the same runs in the same rounds: the same manifest digest,
// and the tables and report the cluster's finishing step builds download as
// swarmlab run's bytes. Small horizons keep each run to milliseconds.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installChart, type ChartRelease } from '../cluster/chart-release.ts';
import { experimentStatus, waitForPhase } from '../cluster/operator-fixture.ts';
import { useCluster } from '../cluster/harness.ts';
import { expectDownloadIsLocal, swarmlab } from '../cluster/local-cli.ts';

const cluster = useCluster('adaptive');
let release: ChartRelease | undefined;
beforeAll(async () => {
  release = await installChart(cluster, { release: 'adaptive' });
}, 300_000);
afterAll(() => release?.uninstall());

const scenario = `  scenario:
    modules:
      - { kind: network, module: explicit, name: topology, config: { nodes: [source, server], edges: [{ from: source, to: server, weight: 0.25 }] } }
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.5, target: server, network: topology } }
      - { kind: agent, module: service-queue, name: server, config: { servers: 1, serviceRate: 1, warmup: 50 } }
    latency: [{ name: transit, channel: arrival, model: edge, scale: 1 }]
    horizon: { time: 600 }
  output: { trace: { level: final } }
`;

const experiment = (name: string, sweep: string): string => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
${scenario}  sweep:
    seeds: { base: 3 }
${sweep}`;

const experiments: Record<string, string> = {
  'adaptive-search': experiment(
    'adaptive-search',
    `    breakingPoint:
      parameter: arrivals.rate
      range: { min: 0.3, max: 0.95 }
      criterion: { metric: summary.server.meanSojourn, op: '>=', value: 4 }
      tolerance: 0.05
      seedsPerRound: 3
      maxSeeds: 6
`,
  ),
  'adaptive-replication': experiment(
    'adaptive-replication',
    `    grid: [{ param: arrivals.rate, values: [0.3, 0.8] }]
    replication: { metric: summary.server.meanSojourn, target: { relativeHalfWidth: 0.1 }, minSeeds: 2, seedsPerRound: 3, maxSeeds: 11 }
`,
  ),
};

describe('adaptive sweeps on the local control plane', () => {
  for (const [name, text] of Object.entries(experiments)) {
    it(`${name}: the operator's rounds give swarmlab run's manifest digest, and its tables and report download as swarmlab run's bytes`, { timeout: 600_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'swarmlab-adaptive-'));
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, text);
      const applied = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', file]);
      expect(applied.code, applied.stderr).toBe(0);
      const local = await swarmlab(['run', file, '--json', '--workers', '2', '--store', `file://${join(dir, 'results')}`], { SWARMLAB_S3_ENDPOINT: '' });
      expect(local.code, local.stderr).toBe(0);
      const summary = JSON.parse(local.stdout) as { total: number; succeeded: number; manifestDigest: string };
      expect(summary.succeeded).toBe(summary.total);

      const done = await waitForPhase(cluster, name, 'Complete', 500_000);
      expect(done.rounds?.ended).toBe(true);
      expect(done.rounds?.openPoints).toBe(0);
      expect(done.runs?.succeeded).toBe(summary.total);
      expect(done.manifestDigest).toBe(summary.manifestDigest);
      // Rounds one after another, each decided from the store: several rounds, one Job each.
      expect(done.rounds?.current ?? 0).toBeGreaterThan(0);

      const jobs = await cluster.kubectl(['get', 'jobs', '-n', cluster.namespace, '-l', `swarmlab.io/experiment=${name}`, '-o', 'name']);
      const roundJobs = jobs.stdout.split('\n').filter((l) => /-r\d+$/.test(l));
      expect(roundJobs.length).toBe((done.rounds?.current ?? 0) + 1);

      await expectDownloadIsLocal(cluster, name, { localSet: join(dir, 'results', name, (done.specDigest ?? '').slice(0, 16)), into: join(dir, 'downloaded') });
      expect((await experimentStatus(cluster, name))?.phase).toBe('Complete');
    });
  }
});
