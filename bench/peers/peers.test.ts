import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../runner/src/modules/builtin-registry.ts';
import { executeRun } from '../../runner/src/run/execute.ts';
import { parseExperimentText } from '../../runner/src/spec/load.ts';
import { plan } from '../../runner/src/spec/plan.ts';

// The peer models of bench/peers/ compute what swarmlab's do, so that timing
// them side by side compares like with like. Small horizons and graphs keep
// this fast; the statistics are loose enough never to fail by chance in
// practice (|t| < 4.5, p > 1e-4) and tight enough to catch a different model.

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const tool = (name: string) => execFileSync('bash', [here('../../scripts/ensure-pypi-tool.sh'), name], { encoding: 'utf8' }).trim();
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

describe('peer models', { timeout: 300_000 }, () => {
  it('SimPy M/M/1 gives the mean sojourn time of scenarios/mm1-queue.yaml within sampling error', () => {
    const replicas = 12;
    const horizon = 4000;
    const rate = 0.7;
    const exp = parseExperimentText(readFileSync(here('../../scenarios/mm1-queue.yaml'), 'utf8'));
    exp.spec.scenario.horizon = { time: horizon };
    exp.spec.sweep = { ...exp.spec.sweep, seeds: { base: 11, replicas }, grid: [{ param: 'arrivals.rate', values: [rate] }] };
    const ours = plan(exp).map((p) => executeRun(exp, p, builtinRegistry).summary.results['server']?.['meanSojourn'] as number);

    const out = execFileSync(tool('peers'), [here('mm1_simpy.py'), '--horizon', String(horizon), '--rate', String(rate), '--replicas', String(replicas)], { encoding: 'utf8' });
    const theirs = (JSON.parse(out) as { runs: { meanSojourn: number }[] }).runs.map((r) => r.meanSojourn);

    // Welch's t on the per-run means: runs are independent, so their means are too.
    const t = (mean(ours) - mean(theirs)) / Math.sqrt(variance(ours) / replicas + variance(theirs) / replicas);
    expect(Math.abs(t)).toBeLessThan(4.5);
    // Both near M/M/1's W = 1 / (mu - lambda), as a check that the test can tell models apart.
    for (const m of [mean(ours), mean(theirs)]) expect(Math.abs(m - 1 / (1 - rate))).toBeLessThan(1);
  });

  it('Mesa threshold cascades have the distribution of sizes of bench/peers/cascade.yaml (two-sample KS)', () => {
    const agents = 200;
    const runs = 60;
    const z = 3;
    const exp = parseExperimentText(readFileSync(here('cascade.yaml'), 'utf8'));
    const [network, cascade] = exp.spec.scenario.modules;
    (network?.config as Record<string, unknown>)['size'] = agents;
    (cascade?.config as Record<string, unknown>)['agents'] = agents;
    exp.spec.sweep = { ...exp.spec.sweep, seeds: { base: 5, replicas: runs }, grid: [{ param: 'influence.p', values: [z / (agents - 1)] }] };
    const ours = plan(exp).map((p) => executeRun(exp, p, builtinRegistry).summary.final_metrics['cascade.yes'] as number);

    const out = execFileSync(tool('peers'), [here('cascade_mesa.py'), '--agents', String(agents), '--z', String(z), '--runs', String(runs), '--processes', '1'], { encoding: 'utf8' });
    const theirs = (JSON.parse(out) as { sizes: Record<string, number[]> }).sizes[String(z.toFixed(1))] ?? [];
    expect(theirs).toHaveLength(runs);

    const ks = JSON.parse(execFileSync(tool('pydata'), [here('ks_2samp.py')], { encoding: 'utf8', input: JSON.stringify({ a: ours, b: theirs }) })) as { statistic: number; pvalue: number };
    expect(ks.pvalue).toBeGreaterThan(1e-4);
    // At z = 3 some seeds die out and some take over most of the graph: the test sees both kinds.
    expect(ours.some((s) => s < agents / 10) && ours.some((s) => s > agents / 2)).toBe(true);
  });
});
