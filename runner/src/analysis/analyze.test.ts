import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeCommand } from '../cli/analyze-command.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { FAILPOINT_ENV } from '../run/failpoints.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { sha256 } from '../spec/canonical.ts';
import { SensitivityFile } from './sensitivity-file.ts';

// `swarmlab analyze` on real result sets: a Saltelli design of the Ishigami
// function (32 base samples, run 7 failed by a failpoint) and a Morris design.

const spec = (name: string, design: string) =>
  parseExperimentText(`apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules: [{ kind: agent, module: test-function, name: f }]
    horizon: { time: 1 }
  sweep:
    seeds: { base: 3 }
    design:
${design}
      parameters:
        - { param: f.x1, distribution: uniform, min: -3.141592653589793, max: 3.141592653589793 }
        - { param: f.x2, distribution: uniform, min: -3.141592653589793, max: 3.141592653589793 }
        - { param: f.x3, distribution: uniform, min: -3.141592653589793, max: 3.141592653589793 }
  output: { trace: { level: final } }
`);

let work: string;
const setOf = (name: string): string => join(work, name, readdirSync(join(work, name))[0]!);
const read = (name: string, file: string): string => readFileSync(join(setOf(name), file), 'utf8');

async function analyze(name: string, opts: { method: string; metric?: string[] }): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await analyzeCommand(setOf(name), opts);
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-analyze-'));
  const store = new FileStore(work);
  process.env[FAILPOINT_ENV] = 'corrupt-output:7';
  try {
    await runLocal(spec('ish', '      method: saltelli\n      samples: 32'), { store, registry: builtinRegistry, workers: 1 });
  } finally {
    delete process.env[FAILPOINT_ENV];
  }
  await runLocal(spec('mor', '      method: morris\n      trajectories: 6\n      levels: 4'), { store, registry: builtinRegistry, workers: 1 });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('swarmlab analyze', { timeout: 120_000 }, () => {
  it("writes Sobol' indices beside the results, leaving out the base sample of the failed run, and a report section; the results still validate", async () => {
    const text = await analyze('ish', { method: 'sobol' });
    expect(text).toMatch(/f\.y: Sobol' indices from 31 base samples \(1 left out: runs failed\), 95% bootstrap intervals/);
    const doc = SensitivityFile.parse(JSON.parse(read('ish', 'sensitivity.json')));
    expect(doc.method).toBe('sobol');
    expect(doc.parameters).toEqual(['f.x1', 'f.x2', 'f.x3']);
    expect(doc.metrics).toHaveLength(1);
    expect(doc.metrics[0]).toMatchObject({ metric: 'f.y', groups: 31, excluded: 1 });
    for (const p of doc.metrics[0]!.sobol!) {
      expect(p.first.value).not.toBeNull();
      expect(p.total.ci_low!).toBeLessThanOrEqual(p.total.ci_high!);
    }
    const html = read('ish', 'report.html');
    expect(html).toContain('<section id="sensitivity"><h2>Sensitivity analysis</h2>');
    expect(html).toContain('<a href="#sensitivity">Sensitivity analysis</a>');
    expect(html).toMatch(/<td>f\.x2<\/td><td>-?\d\.\d{3} \[/);
    // A design's points share no values: a scatter per parameter, not the grid's lines and per-point spreads.
    expect(html).toContain('mean across seeds at each design point, against each parameter');
    expect(html).not.toContain('each run at each point');
    const report = await validateResults(new FileStore(setOf('ish')), builtinRegistry);
    // The failed run is reported as such; the rebuilt report matches the index.
    expect(report.problems.filter((p) => !p.startsWith('run-000007: failed:'))).toEqual([]);
  });

  it('gives the same bytes when run again', async () => {
    const before = [read('ish', 'sensitivity.json'), read('ish', 'report.html'), read('ish', 'results-index.json')];
    await analyze('ish', { method: 'sobol', metric: ['f.y'] });
    expect([read('ish', 'sensitivity.json'), read('ish', 'report.html'), read('ish', 'results-index.json')]).toEqual(before);
  });

  it('records sensitivity.json in the results index, so validate refuses an edited one', async () => {
    const text = read('ish', 'sensitivity.json');
    const index = JSON.parse(read('ish', 'results-index.json')) as { files: { name: string; size: number; sha256: string }[] };
    expect(index.files.map((f) => f.name)).toEqual(['results.parquet', 'results.csv', 'statistics.parquet', 'statistics.csv', 'report.html', 'sensitivity.json']);
    expect(index.files.at(-1)).toEqual({ name: 'sensitivity.json', size: Buffer.byteLength(text), sha256: sha256(Buffer.from(text)) });
    const file = join(setOf('ish'), 'sensitivity.json');
    writeFileSync(file, text.replace('"f.x1"', '"f.x9"'));
    try {
      const report = await validateResults(new FileStore(setOf('ish')), builtinRegistry);
      expect(report.problems.filter((p) => !p.startsWith('run-000007: failed:'))).toEqual([expect.stringMatching(/^sensitivity\.json: sha256 [0-9a-f]{64} does not match results-index\.json's /)]);
    } finally {
      writeFileSync(file, text);
    }
  });

  it('writes Morris effects of a Morris design', async () => {
    const text = await analyze('mor', { method: 'morris' });
    expect(text).toMatch(/f\.y: Morris effects from 6 trajectories/);
    const doc = SensitivityFile.parse(JSON.parse(read('mor', 'sensitivity.json')));
    expect(doc.metrics[0]!.morris!.map((p) => p.param)).toEqual(['f.x1', 'f.x2', 'f.x3']);
    expect(doc.metrics[0]!.morris!.every((p) => p.mu_star.value! >= Math.abs(p.mu))).toBe(true);
    expect(read('mor', 'report.html')).toContain('Morris: mu* and sigma');
  });

  it('a design runs to the same manifest with 2 worker processes (each plans its own points)', async () => {
    const exp = spec('mor', '      method: morris\n      trajectories: 6\n      levels: 4');
    const two = await runLocal(exp, { store: new FileStore(mkdtempSync(join(work, 'two-'))), registry: builtinRegistry, workers: 2 });
    expect(two.manifest.digest).toBe(JSON.parse(read('mor', 'manifest.json')).digest);
  });

  it('refuses a method the design does not serve, and an unknown metric, naming the known ones', async () => {
    await expect(analyze('mor', { method: 'sobol' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/--method sobol reads the runs of a saltelli design; this experiment's spec.sweep.design method is morris/) });
    await expect(analyze('ish', { method: 'sobol', metric: ['f.z'] })).rejects.toMatchObject({ code: 'USAGE', message: '--metric f.z: no such final metric; known: f.y' });
    await expect(analyze('ish', { method: 'fast' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
