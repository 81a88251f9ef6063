import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { stateLayout, traceBlock } from '../outputs/console-trace.ts';
import { executeRun } from '../run/execute.ts';
import type { SimEvent } from '../sdk/module.ts';
import { parseExperimentText } from '../spec/load.ts';
import { planRun } from '../spec/plan.ts';
import { withTextTrace } from '../testing/text-trace.ts';
import { runCommand } from './commands.ts';
import { traceRunId } from './trace-command.ts';

// swarmlab run --trace: the console trace of one stored run (a Parquet trace,
// the default), against the same run's text event log and metrics.

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'swarmlab-trace-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const spec = (trace = '') => `
apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: traced }
spec:
  scenario:
    modules:
      - { kind: network, module: explicit, name: deps, config: { nodes: [power, hospital], edges: [{ from: power, to: hospital, weight: 1 }] } }
      - { kind: agent, module: flood-infrastructure, name: infra, config: { network: deps, services: { power: { capacity: 100, baseLoad: 60, surge: 0.8 }, hospital: { capacity: 100, baseLoad: 60, surge: 0.8 } } } }
      - { kind: agent, module: flood-hazard, name: flood, config: { onset: 2, rise: 3, recedeAt: 8, recede: 3, exposure: { power: 0.5 } } }
      - { kind: agent, module: emergency-coordinator, name: coordinator, config: { pool: 2 } }
      - { kind: agent, module: service-operator, name: op, config: { service: hospital } }
    latency:
      - { name: dependency, channel: dependency, model: edge, scale: 1 }
    horizon: { time: 200 }
  sweep:
    seeds: { base: 3, replicas: 2 }
${trace}`;

function swarmlab(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, SWARMLAB_S3_ENDPOINT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('swarmlab run --trace', { timeout: 120_000 }, () => {
  writeFileSync(join(work, 'exp.yaml'), spec());
  let byId = '';

  it('prints every event of the run with every instance\'s state after it, as its event log and metrics hold them', () => {
    const r = swarmlab(['run', 'exp.yaml', '--store', `file://${work}/store`, '--workers', '1', '--trace', 'run-000001']);
    byId = r.stdout;
    expect(r.stderr).not.toMatch(/error|warning/i);
    expect(r.code).toBe(0);
    const exp = withTextTrace(parseExperimentText(spec()));
    const out = executeRun(exp, planRun(exp, 1), builtinRegistry);
    const events = (out.files.get('events.jsonl') as string).trim().split('\n').map((l) => JSON.parse(l) as SimEvent);
    const [header, ...rows] = (out.files.get('metrics.csv') as string).trim().split('\n');
    const layout = stateLayout((header as string).split(',').slice(2));
    const expected = events.map((e, i) => traceBlock(e, (rows[i] as string).split(',').slice(2).map(Number), layout)).join('');
    expect(events.length).toBeGreaterThan(20);
    expect(r.stdout.startsWith(expected)).toBe(true);
    expect(r.stdout.slice(expected.length)).toMatch(/^traced: 2\/2 runs succeeded/);
    expect(expected).toContain('  coordinator  pool=');
  });

  it('an index names the same run', () => {
    const byIndex = swarmlab(['run', 'exp.yaml', '--store', `file://${work}/store`, '--workers', '1', '--trace', '1']);
    expect(byIndex.code).toBe(0);
    // The same trace; the summary after it now says the runs were already done.
    const trace = (stdout: string) => stdout.slice(0, stdout.indexOf('traced: '));
    expect(trace(byIndex.stdout)).toBe(trace(byId));
    expect(trace(byId).length).toBeGreaterThan(1000);
  });

  it('a run the experiment lacks, or --trace with --json, is refused before anything runs', async () => {
    const exp = parseExperimentText(spec());
    expect(traceRunId('1', exp)).toBe('run-000001');
    expect(traceRunId('run-000000', exp)).toBe('run-000000');
    for (const bad of ['2', 'run-1', 'run-000002', 'first']) {
      expect(() => traceRunId(bad, exp)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('give a run id run-000000..run-000001 or an index 0..1') }));
    }
    await expect(runCommand(join(work, 'exp.yaml'), { store: `file://${work}/never`, json: true, trace: '0' }, undefined)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('--json') });
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('a run stored without its event log has no trace: exit 2 saying why', () => {
    writeFileSync(join(work, 'sampled.yaml'), spec('  output:\n    trace: { level: sampled, every: 5 }'));
    const r = swarmlab(['run', 'sampled.yaml', '--store', `file://${work}/sampled`, '--workers', '1', '--trace', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('without its event log');
  });
});
