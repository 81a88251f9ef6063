// `swarmlab submit --wait` and `swarmlab results` as a CI job would use them:
// the real CLI against the real API server, with the operator and the
// local node running the sweep in real containers and MinIO holding the results.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpSourceOf } from '../../operator/src/controller/controller.ts';
import { OperatorMetrics } from '../../operator/src/http/metrics.ts';
import { buildServer } from '../../operator/src/http/server.ts';
import { experimentStatus, useTestOperator } from '../cluster/operator-fixture.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { storeEnv, swarmlab } from '../cluster/local-cli.ts';

const cluster = useCluster('cli-submit');
const operator = useTestOperator(cluster);

/** The CLI as a CI job runs it: the cluster's kubeconfig and the store's credentials. */
function cli(args: string[]): ReturnType<typeof swarmlab> {
  return swarmlab(args, { KUBECONFIG: cluster.connection.kubeconfigPath, ...storeEnv(cluster) });
}

function experimentFile(name: string, targetNodes: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-submit-'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules:
      - { kind: network, module: explicit, name: topology, config: { nodes: [source, server], edges: [{ from: source, to: server, weight: 0.5 }] } }
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.5, target: server, network: topology } }
      - { kind: agent, module: service-queue, name: server }
    latency: [{ name: transit, channel: arrival, model: edge }]
    horizon: { time: 100 }
  sweep:
    seeds: { base: 3, replicas: 2 }
    grid: [{ param: arrivals.targetNode, values: [${targetNodes.join(', ')}] }]
  execution: { parallelism: 2 }
`,
  );
  return file;
}

describe('swarmlab submit and results', () => {
  it('submit --wait exits 0 for a good sweep; results validates it and downloads its tables and report (or every run), which the operator\'s API serves too', async () => {
    const run = await cli(['submit', experimentFile('good', ['server']), '--wait', '--namespace', cluster.namespace, '--json', '--timeout', '150']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { phase: string; runs: { succeeded: number }; resultsURI: string; manifestDigest: string; tablesURI: string; reportURI: string };
    expect(out.phase).toBe('Complete');
    expect(out.runs.succeeded).toBe(2);
    expect(out.resultsURI).toMatch(new RegExp(`^s3://${cluster.connection.objectStore.bucket}/${cluster.namespace}/good/[0-9a-f]{16}/$`));
    // --wait follows the finishing step too: a Job of the runner image builds the tables and the report beside the manifest.
    expect(run.stderr).toContain('building the tables and the report');
    expect(out.tablesURI).toBe(`${out.resultsURI}results.parquet`);
    expect(out.reportURI).toBe(`${out.resultsURI}report.html`);
    const st = await experimentStatus(cluster, 'good');
    expect(st?.conditions?.find((c) => c.type === 'ResultsReady')).toMatchObject({ status: 'True', reason: 'TablesWritten' });

    // Downloaded: the manifest, the tables and the report, a folder the local commands read.
    const dest = mkdtempSync(join(tmpdir(), 'swarmlab-results-'));
    const res = await cli(['results', 'good', '--namespace', cluster.namespace, '--download', dest]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`digest:   ${out.manifestDigest}`);
    expect(res.stdout).toMatch(/final metrics per parameter point, across seeds:\n/);
    expect(res.stdout).toContain(`report:   ${join(dest, 'report.html')}`);
    expect(readdirSync(dest).sort()).toEqual(['manifest.json', 'report.html', 'results-index.json', 'results.csv', 'results.parquet', 'statistics.csv', 'statistics.parquet']);
    const local = await cli(['results', dest]);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toContain('good: 2/2 runs succeeded');
    expect(local.stdout).not.toContain('built the tables');

    // The operator's read-only API serves the same report, as kubectl port-forward would show it.
    const api = buildServer(httpSourceOf(operator.current().controller), new OperatorMetrics(() => operator.current().controller.counts(), { defaultMetrics: false }));
    const served = await waitFor('the report in the operator\'s cache', async () => {
      const r = await api.inject(`/api/v1/namespaces/${cluster.namespace}/experiments/good/report`);
      return r.statusCode === 200 ? r : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    expect(served.headers['content-security-policy']).toContain("default-src 'none'");
    expect(Buffer.from(served.rawPayload).equals(readFileSync(join(dest, 'report.html')))).toBe(true);

    // With --runs every run's files too: a result set that validates on its own.
    const all = mkdtempSync(join(tmpdir(), 'swarmlab-results-'));
    const withRuns = await cli(['results', 'good', '--namespace', cluster.namespace, '--download', all, '--runs']);
    expect(withRuns.code, withRuns.stderr).toBe(0);
    expect(readdirSync(join(all, 'runs')).sort()).toEqual(['run-000000', 'run-000001']);
    const valid = await cli(['validate', all]);
    expect(valid.stdout).toContain(`valid: 2 runs, manifest digest ${out.manifestDigest}`);

    // A folder holding another report.html is left as it was.
    writeFileSync(join(dest, 'report.html'), 'mine');
    const refused = await cli(['results', 'good', '--namespace', cluster.namespace, '--download', dest, '--runs']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('report.html: already exists with other content; nothing was downloaded');
    expect(readFileSync(join(dest, 'report.html'), 'utf8')).toBe('mine');
    expect(existsSync(join(dest, 'runs'))).toBe(false);
  });

  it('submit --wait exits 1 when a run fails on the cluster, and says which run and why', async () => {
    // The runner pods of this operator break run 1's output: INVALID_OUTPUT, not retried.
    await operator.restart({ config: { runnerEnv: { SWARMLAB_FAILPOINT: 'corrupt-output:1' } } });
    try {
      const run = await cli(['submit', experimentFile('failing', ['server']), '--wait', '--namespace', cluster.namespace, '--json', '--timeout', '150']);
      expect(run.code, run.stderr).toBe(1);
      const out = JSON.parse(run.stdout) as { phase: string; message: string; runs: { succeeded: number; failed: number } };
      expect(out).toMatchObject({ phase: 'Failed', runs: { succeeded: 1, failed: 1 }, message: expect.stringMatching(/run 1: INVALID_OUTPUT: /) });
      expect(run.stderr).toMatch(/^failed: 1 run failed; run 1: INVALID_OUTPUT: /m);
    } finally {
      await operator.restart();
    }
  });

  it('submit refuses, before it reaches the cluster, a spec that would make runs fail (exit 2)', async () => {
    // Customers addressed to a node with no edge from the source: caught by the module's validate hook at plan time, not by every run failing.
    const run = await cli(['submit', experimentFile('broken', ['server', 'nowhere']), '--wait', '--namespace', cluster.namespace, '--json', '--timeout', '150']);
    expect(run.code).toBe(2);
    expect(`${run.stdout}${run.stderr}`).toContain('INVALID_MODULE_CONFIG');
    const list = await cluster.kubectl(['get', 'experiments', '-n', cluster.namespace, '-o', 'name']);
    expect(list.stdout).not.toContain('/broken');
  });

  it('submit refuses an invalid file before it reaches the cluster (exit 2)', async () => {
    const file = experimentFile('bad', ['server']);
    writeFileSync(file, `apiVersion: swarmlab.io/v1alpha1\nkind: Experiment\nmetadata: { name: bad }\nspec: { scenario: { modules: [{ kind: agent, module: nope }], horizon: { time: 1 } } }\n`);
    const run = await cli(['submit', file, '--namespace', cluster.namespace]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/UNKNOWN_MODULE: spec\.scenario\.modules\[0\]\.module/);
    const list = await cluster.kubectl(['get', 'experiments', '-n', cluster.namespace, '-o', 'name']);
    expect(list.stdout).not.toContain('/bad');
  });
});
