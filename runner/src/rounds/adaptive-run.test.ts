import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { Manifest } from '../outputs/schemas.ts';
import { describeSample } from '../results/statistics.ts';
import { runLocal } from '../run/local-executor.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import { AdaptiveFile } from './adaptive-file.ts';

// Adaptive sweeps through the runner's entry point (runLocal, as `swarmlab
// run`), checked against answers known without the rounds code: the M/M/1
// queue's breaking point from theory, and replication's stopping seeds from
// the same seeds run as a fixed sweep.

const MU = 1;
const W_TARGET = 4;
/** W = 1 / (mu - lambda) reaches W_TARGET at lambda* = mu - 1 / W_TARGET. */
const LAMBDA_STAR = MU - 1 / W_TARGET;

const mm1 = (name: string): string => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules:
      - { kind: network, module: explicit, name: topology, config: { nodes: [source, server], edges: [{ from: source, to: server, weight: 0.25 }] } }
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.5, target: server, network: topology } }
      - { kind: agent, module: service-queue, name: server, config: { servers: 1, serviceRate: ${MU}, warmup: 100 } }
    latency: [{ name: transit, channel: arrival, model: edge, scale: 1 }]
    horizon: { time: 2000 }
  sweep:
    seeds: { base: 11 }
    breakingPoint:
      parameter: arrivals.rate
      range: { min: 0.4, max: 0.95 }
      criterion: { metric: summary.server.meanSojourn, op: '>=', value: ${W_TARGET} }
      tolerance: 0.01
      seedsPerRound: 4
      maxSeeds: 12
  output: { trace: { level: final } }
`;

/** y = noise at each point: its interval shrinks as 1/sqrt(n), so the seeds a target needs follow from the values. */
const noisy = (name: string, seeds: string, sweep: string): string => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules: [{ kind: agent, module: test-function, name: f, config: { function: ishigami } }]
    horizon: { time: 1 }
  sweep:
    seeds: ${seeds}
    grid: [{ param: f.noise, values: [0, 1, 3] }]
${sweep}
  output: { trace: { level: final } }
`;
/** One search per value of x2: the Ishigami function (x3 = 0) crosses 0.5 where sin x1 = 0.5 - 7 sin^2 x2. */
const CURVE = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: curve }
spec:
  scenario:
    modules: [{ kind: agent, module: test-function, name: f, config: { noise: 0.1 } }]
    horizon: { time: 1 }
  sweep:
    seeds: { base: 2 }
    grid: [{ param: f.x2, values: [0, 0.2] }]
    breakingPoint:
      parameter: f.x1
      range: { min: -1.5, max: 1.5 }
      criterion: { metric: metric.f.y, op: '>=', value: 0.5 }
      tolerance: 0.05
  output: { trace: { level: final } }
`;
const REPLICATION = `    replication: { metric: metric.f.y, minSeeds: 3, maxSeeds: 30, seedsPerRound: 4, target: { halfWidth: 0.6 } }`;

let work: string;
/** The same experiment run again in another store, with 2 worker processes. */
const AGAIN = 'again';
const setOf = (name: string): string => join(work, name, readdirSync(join(work, name))[0]!);
const read = (name: string, file: string): string => readFileSync(join(setOf(name), file), 'utf8');
const adaptive = (name: string): AdaptiveFile => AdaptiveFile.parse(JSON.parse(read(name, 'adaptive.json')));
const manifest = (name: string): Manifest => Manifest.parse(JSON.parse(read(name, 'manifest.json')));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-adaptive-'));
  const store = new FileStore(work);
  await runLocal(parseExperimentText(mm1('mm1')), { store, registry: builtinRegistry, workers: 1 });
  await runLocal(parseExperimentText(mm1('mm1')), { store: new FileStore(join(work, AGAIN)), registry: builtinRegistry, workers: 2 });
  await runLocal(parseExperimentText(noisy('rep', '{ base: 5 }', REPLICATION)), { store, registry: builtinRegistry, workers: 1 });
  await runLocal(parseExperimentText(CURVE), { store, registry: builtinRegistry, workers: 1 });
  await runLocal(parseExperimentText(noisy('fixed', '{ base: 5, replicas: 30 }', '')), { store, registry: builtinRegistry, workers: 1 });
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('breaking-point search on the M/M/1 queue', () => {
  it(`brackets lambda* = mu - 1/W = ${LAMBDA_STAR} within its interval`, () => {
    const [search] = adaptive('mm1').searches!;
    expect(search!.status === 'converged' || search!.status === 'noise-limited').toBe(true);
    expect(search!.holds_above).toBe(true);
    expect(search!.ci_low!).toBeLessThanOrEqual(LAMBDA_STAR);
    expect(search!.ci_high!).toBeGreaterThanOrEqual(LAMBDA_STAR);
    // A search that narrowed: from a range 0.55 wide to under a fifth of it.
    expect(search!.ci_high! - search!.ci_low!).toBeLessThan(0.11);
    expect(search!.estimate!).toBeGreaterThanOrEqual(search!.ci_low!);
    expect(search!.estimate!).toBeLessThanOrEqual(search!.ci_high!);
  });

  it('records every round\'s runs in the manifest and the results table, and the interval only narrows', () => {
    const doc = adaptive('mm1');
    const m = manifest('mm1');
    expect(doc.rounds.reduce((n, r) => n + r.runs, 0)).toBe(m.runs.length);
    expect(read('mm1', 'results.csv').trimEnd().split('\n')).toHaveLength(m.runs.length + 1);
    const widths = doc.searches![0]!.history.filter((h) => h.low !== null).map((h) => h.high! - h.low!);
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeLessThanOrEqual(widths[i - 1]!);
    expect(read('mm1', 'report.html')).toContain('<section id="rounds">');
  });

  it('gives byte-identical outputs with 1 and 2 worker processes', () => {
    const again = `${AGAIN}/mm1`;
    const [a, b] = [manifest('mm1'), manifest(again)];
    expect(b.digest).toBe(a.digest);
    // Everything but the provenance hashes (wall-clock facts, outside every digest).
    expect(JSON.stringify({ ...b, provenance: null })).toBe(JSON.stringify({ ...a, provenance: null }));
    for (const file of ['adaptive.json', 'results.csv', 'results.parquet', 'statistics.csv', 'report.html']) expect(read(again, file), file).toBe(read('mm1', file));
    expect(a.runs.length).toBeGreaterThan(8);
  });

  it('resumes: run again, every round\'s runs are kept, none runs again, and the rounds are the same', async () => {
    const before = manifest('mm1');
    const again = await runLocal(parseExperimentText(mm1('mm1')), { store: new FileStore(work), registry: builtinRegistry, workers: 1 });
    expect(again.resumed).toBe(before.runs.length);
    expect(again.total).toBe(before.runs.length);
    expect(again.manifest.digest).toBe(before.digest);
  });

  it('resumes a sweep interrupted in a later round, to the same result', async () => {
    const store = new FileStore(join(work, 'interrupted'));
    const stop = new AbortController();
    const first = runLocal(parseExperimentText(mm1('mm1')), {
      store,
      registry: builtinRegistry,
      workers: 1,
      signal: stop.signal,
      onProgress: (p) => {
        if ((p.round ?? 0) >= 3) stop.abort();
      },
    });
    await expect(first).rejects.toThrow(/runs of 4 rounds finished and were kept/);
    const resumed = await runLocal(parseExperimentText(mm1('mm1')), { store, registry: builtinRegistry, workers: 1 });
    expect(resumed.resumed).toBeGreaterThan(8);
    expect(resumed.manifest.digest).toBe(manifest('mm1').digest);
  });

  it('passes swarmlab validate', async () => {
    const report = await validateResults(new FileStore(work), builtinRegistry, join('mm1', readdirSync(join(work, 'mm1'))[0]!));
    expect(report.problems).toEqual([]);
  });
});

describe('a breaking point over a second parameter', () => {
  it('brackets the boundary at each grid value, and the report draws it as a curve', () => {
    const searches = adaptive('curve').searches!;
    expect(searches.map((s) => s.params)).toEqual([{ 'f.x2': 0 }, { 'f.x2': 0.2 }]);
    for (const s of searches) {
      const root = Math.asin(0.5 - 7 * Math.sin(s.params['f.x2'] as number) ** 2);
      expect(s.ci_low!).toBeLessThanOrEqual(root);
      expect(s.ci_high!).toBeGreaterThanOrEqual(root);
    }
    expect(read('curve', 'report.html')).toContain('the boundary: each search');
  });
});

describe('adaptive replication', () => {
  it('stops each point at the first round whose interval meets the target, as the same seeds run as a fixed sweep say', () => {
    // The fixed sweep runs seeds 0..29 at every point: the seeds replication hashes from the same base.
    const fixed = manifest('fixed');
    const values = new Map<number, number[]>();
    const rows = read('fixed', 'results.csv').trimEnd().split('\n');
    const head = rows[0]!.split(',');
    const [pointAt, yAt] = [head.indexOf('point'), head.indexOf('metric.f.y')];
    for (const row of rows.slice(1)) {
      const cells = row.split(',');
      const point = Number(cells[pointAt]);
      values.set(point, [...(values.get(point) ?? []), Number(cells[yAt])]);
    }
    expect(fixed.runs).toHaveLength(90);
    const expected = [0, 1, 2].map((p) => {
      const ys = values.get(p)!;
      for (let n = 3; n < 30; n += 4) {
        const s = describeSample(ys.slice(0, n));
        if ((s.ciHigh! - s.ciLow!) / 2 <= 0.6) return n;
      }
      return 30;
    });
    const doc = adaptive('rep');
    expect(doc.replication!.map((p) => p.seeds)).toEqual(expected);
    // Noise 0 needs the minimum; noise 1 about (2 / 0.6)^2 = 11; noise 3 about 100, more than maxSeeds.
    expect(expected[0]).toBe(3);
    expect(expected[1]).toBeGreaterThan(3);
    expect(expected[1]).toBeLessThan(30);
    expect(doc.replication!.map((p) => p.state)).toEqual(['reached', 'reached', 'max-seeds']);
    // The same seeds: each adaptive run's seed is the fixed sweep's at its index.
    const seedAt = new Map(fixed.runs.map((r) => [r.index, r.seed]));
    for (const r of manifest('rep').runs) expect(r.seed).toBe(seedAt.get(r.index));
  });

  it('is checked by swarmlab validate: adaptive.json must be what the rounds give', async () => {
    const store = new FileStore(work);
    const root = join('rep', readdirSync(join(work, 'rep'))[0]!);
    expect((await validateResults(store, builtinRegistry, root)).problems).toEqual([]);
    const file = join(setOf('rep'), 'adaptive.json');
    const good = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, good.replace('"state": "max-seeds"', '"state": "reached"'));
      expect((await validateResults(store, builtinRegistry, root)).problems).toEqual(['adaptive.json: not what the rounds give when replayed from the runs (swarmlab run on the same spec writes it again)']);
    } finally {
      writeFileSync(file, good);
    }
  });
});
