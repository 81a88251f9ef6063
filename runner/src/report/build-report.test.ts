import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { Manifest } from '../outputs/schemas.ts';
import { FAILPOINT_ENV } from '../run/failpoints.ts';
import { runLocal } from '../run/local-executor.ts';
import { readRunValues } from '../results/read-run-values.ts';
import { readStatistics } from '../results/read-statistics.ts';
import { readMetricTrace } from '../results/read-trace.ts';
import type { MetricRow } from '../outputs/trace-reader.ts';
import { parseExperimentText } from '../spec/load.ts';
import { FileStore } from '../store/file-store.ts';
import type { ObjectStore } from '../store/store.ts';
import { ResultsLayout } from '../store/layout.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { ModuleRegistry } from '../modules/registry.ts';
import { buildReport } from './build-report.ts';
import type { Panel, PanelInput } from '../sdk/panels.ts';
import type { ModuleDefinition } from '../sdk/module.ts';

// The report of a real sweep (6 runs of the tiny M/M/1 spec, 2 points, run 4
// failed by a failpoint), and the readers it is built from.

const exp = parseExperimentText(tinySpec('report'));
let work: string;
let set: string;
let store: FileStore;
let manifest: Manifest;
let html: string;
const layout = new ResultsLayout('');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-report-'));
  process.env[FAILPOINT_ENV] = 'corrupt-output:4';
  try {
    await runLocal(exp, { store: new FileStore(work), registry: builtinRegistry, workers: 1 });
  } finally {
    delete process.env[FAILPOINT_ENV];
  }
  set = join(work, 'report', readdirSync(join(work, 'report'))[0] as string);
  store = new FileStore(set);
  manifest = Manifest.parse(JSON.parse(readFileSync(join(set, 'manifest.json'), 'utf8')));
  html = readFileSync(join(set, 'report.html'), 'utf8');
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the report', { timeout: 60_000 }, () => {
  it('says what was run: modules, sweep, counts, failures with their codes and both digests', () => {
    expect(html).toMatch(/<td>6<\/td><td>5<\/td><td>1<\/td><td>2<\/td>/);
    expect(html).toContain('<td>INVALID_OUTPUT</td><td>1</td><td>run-000004</td>');
    expect(html).toContain('<td>poisson-source</td><td>arrivals</td>');
    expect(html).toContain('<td>service-queue</td><td>server</td>');
    expect(html).toContain('param: arrivals.rate');
    expect(html).toContain(`<td>spec</td><td>${manifest.experiment.spec_digest}</td>`);
    expect(html).toContain(`<td>manifest</td><td>${manifest.digest}</td>`);
  });

  it('draws each final metric that differs between points twice (interval, runs) and lists the others', async () => {
    const page = await readStatistics(store, layout, Number.POSITIVE_INFINITY);
    const differing = page.metrics.filter((m) => new Set(page.rows.filter((r) => r.metric === m).map((r) => r.mean)).size > 1);
    expect(differing).toContain('arrivals.sent');
    for (const m of differing) expect(html, m).toContain(`<h3>${m}</h3>`);
    const metricFigures = html.slice(html.indexOf('id="final-metrics"'), html.indexOf('id="time-series"')).match(/<svg /g) ?? [];
    expect(metricFigures).toHaveLength(2 * differing.length);
    for (const m of page.metrics.filter((x) => !differing.includes(x))) expect(html, m).toContain(`<code>${m}</code>`);
  });

  it('draws the metrics over logical time for the runs of each point', () => {
    const series = html.slice(html.indexOf('id="time-series"'));
    expect(series).toContain('>arrivals.rate<');
    expect(series).toMatch(/>0\.4<[\s\S]*>0\.8</);
    expect((series.match(/<svg /g) ?? []).length).toBeGreaterThan(0);
  });

  it('opens with links to each of its sections, in order', () => {
    const nav = html.slice(html.indexOf('<nav>'), html.indexOf('</nav>'));
    const targets = [...nav.matchAll(/href="#([a-z-]+)"/g)].map((m) => m[1]);
    const sections = [...html.matchAll(/<section id="([a-z-]+)"/g)].map((m) => m[1]);
    expect(targets).toEqual(sections);
    expect(targets).toEqual(expect.arrayContaining(['what-was-run', 'final-metrics', 'time-series']));
  });

  it('fetches nothing and runs nothing: no script, no link, no external source', () => {
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\((?!#)/i);
    expect(html).not.toMatch(/\s(?:src|href)="(?!#)/i);
    expect(html).toContain("default-src 'none'");
  });

  it('is the same bytes when built again from the same results', async () => {
    const again = await buildReport(store, layout, manifest, { registry: builtinRegistry });
    expect(again.toString('utf8') === html).toBe(true);
  });
});

describe('the readers the report uses', { timeout: 60_000 }, () => {
  it('reads a bounded sample of single runs from the results table', async () => {
    const all = await readRunValues(store, layout, ['arrivals.sent'], { maxPoints: 10, seedsPerPoint: 10 });
    expect(all.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all[4]?.values).toEqual([null]);
    const some = await readRunValues(store, layout, ['arrivals.sent'], { maxPoints: 1, seedsPerPoint: 2 });
    expect(some.map((r) => [r.point, r.index])).toEqual([[0, 0], [0, 1]]);
    const summary = JSON.parse(readFileSync(join(set, 'runs', 'run-000001', 'summary.json'), 'utf8')) as { final_metrics: Record<string, number> };
    expect(some[1]?.values[0]).toBe(summary.final_metrics['arrivals.sent']);
  });

  it('reads a run trace in either format: its last row holds the final metrics, the rows are the text trace\'s, and edited bytes are refused', async () => {
    const run = manifest.runs[1] as Manifest['runs'][number];
    expect(run.files?.map((f) => f.name)).toContain('metrics.parquet');
    const trace = await readMetricTrace(store, layout, run);
    const rows: MetricRow[] = [];
    for await (const row of trace.rows()) rows.push(row);
    expect(rows).toHaveLength(trace.length);
    expect(rows.at(-1)?.time).toBe(trace.endTime);
    const summary = JSON.parse(readFileSync(join(set, 'runs', run.run_id, 'summary.json'), 'utf8')) as { final_metrics: Record<string, number> };
    const served = trace.metrics.indexOf('server.served');
    expect(rows.at(-1)?.values[served]).toBe(summary.final_metrics['server.served']);

    // The same run with the text trace: the same rows, and the byte reader gives what Number() gives for every cell.
    const textWork = mkdtempSync(join(tmpdir(), 'swarmlab-report-text-'));
    try {
      const asText = structuredClone(exp);
      asText.spec.output = { ...asText.spec.output, trace: { level: 'complete', format: 'text' } };
      const textStore = new FileStore(textWork);
      const ran = await runLocal(asText, { store: textStore, registry: builtinRegistry, workers: 1 });
      const textRun = ran.manifest.runs[1] as Manifest['runs'][number];
      const textLayout = new ResultsLayout(`report/${ran.manifest.experiment.spec_digest.slice(0, 16)}`);
      const textTrace = await readMetricTrace(textStore, textLayout, textRun);
      const textRows = [];
      for await (const row of textTrace.rows()) textRows.push(row);
      expect(textRows).toEqual(rows);
      // Whole columns, a block at a time, in either format: the rows' values.
      const asked = ['server.served', 'arrivals.sent'];
      const wanted = [rows.map((r) => r.time), ...asked.map((m) => rows.map((r) => r.values[trace.metrics.indexOf(m)]))];
      for (const t of [trace, textTrace]) {
        const got: number[][] = [[], [], []];
        for await (const block of t.columns(asked)) [block.time, ...block.values].forEach((c, i) => got[i]?.push(...Array.from(c).slice(0, block.length)));
        expect(got).toEqual(wanted);
      }
      const cells = readFileSync(join(textWork, textLayout.runFile(textRun.run_id, 'metrics.csv')), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
      expect(rows.map((r) => [r.time, r.seq, ...r.values])).toEqual(cells);
    } finally {
      rmSync(textWork, { recursive: true, force: true });
    }

    const file = join(set, 'runs', run.run_id, 'metrics.parquet');
    const bytes = readFileSync(file);
    writeFileSync(file, Buffer.concat([bytes, Buffer.from('1e9,1,0\n')]));
    try {
      await expect(readMetricTrace(store, layout, run)).rejects.toMatchObject({ code: 'INVALID_OUTPUT', message: expect.stringContaining('metrics.parquet: its bytes are not the ones manifest.json records') });
    } finally {
      writeFileSync(file, bytes);
    }
  });

  it('reads metrics.parquet by range, never whole, and checks it first: by the store\'s sha256, or by reading it through where the store keeps none', async () => {
    // One run long enough for several row groups (about 280,000 events).
    const long = parseExperimentText(tinySpec('ranges'));
    long.spec.scenario.horizon = { time: 200_000 };
    long.spec.sweep = { ...long.spec.sweep, seeds: { base: 1, replicas: 1 }, grid: [{ param: 'arrivals.rate', values: [0.7] }] };
    const longWork = mkdtempSync(join(tmpdir(), 'swarmlab-report-ranges-'));
    try {
      const fileStore = new FileStore(longWork);
      const ran = await runLocal(long, { store: fileStore, registry: builtinRegistry, workers: 1 });
      const run = ran.manifest.runs[0] as Manifest['runs'][number];
      const longLayout = new ResultsLayout(`ranges/${ran.manifest.experiment.spec_digest.slice(0, 16)}`);
      const reads: string[] = [];
      const recording = (keepsSha256: boolean): ObjectStore => ({
        uri: fileStore.uri,
        putIfAbsent: (k, b) => fileStore.putIfAbsent(k, b),
        put: (k, b) => fileStore.put(k, b),
        get: (k) => (reads.push(`get ${k}`), fileStore.get(k)),
        getRange: (k, s, e) => (reads.push(`range ${k} ${s}-${e}`), fileStore.getRange(k, s, e)),
        stat: async (k) => {
          const st = await fileStore.stat(k);
          return st === undefined || keepsSha256 ? st : { size: st.size };
        },
        list: (p) => fileStore.list(p),
        check: (p) => fileStore.check(p),
        uriFor: (k) => fileStore.uriFor(k),
      });
      const key = longLayout.runFile(run.run_id, 'metrics.parquet');
      const size = statSync(join(longWork, key)).size;
      const rowsOf = async (s: ObjectStore) => {
        const out: MetricRow[] = [];
        for await (const row of (await readMetricTrace(s, longLayout, run)).rows()) out.push(row);
        return out;
      };
      const rows = await rowsOf(recording(true));
      expect(rows.length).toBeGreaterThan(3 * 65_536);
      expect(reads.some((r) => r.startsWith('get '))).toBe(false);
      // The footer, then a row group's column chunks at a time: each part a fraction of the file.
      const parts = reads.map((r) => (r.split(' ')[2] as string).split('-').map(Number) as [number, number]);
      expect(parts.length).toBeGreaterThan(4);
      expect(Math.max(...parts.map(([s, e]) => e - s))).toBeLessThan(size / 2);

      reads.length = 0;
      expect(await rowsOf(recording(false))).toEqual(rows);
      // Read through once to hash it (one part: the file is under 8 MiB), then by range.
      expect(reads[0]).toBe(`range ${key} 0-${size}`);
      expect(reads.length).toBe(parts.length + 1);

      const file = join(longWork, key);
      const bytes = readFileSync(file);
      const flipped = Buffer.from(bytes);
      flipped[size >> 1] = (flipped[size >> 1] as number) ^ 0xff;
      writeFileSync(file, flipped);
      for (const s of [fileStore, recording(false)]) {
        await expect(readMetricTrace(s, longLayout, run)).rejects.toMatchObject({ code: 'INVALID_OUTPUT', message: expect.stringContaining('metrics.parquet: its bytes are not the ones manifest.json records') });
      }
    } finally {
      rmSync(longWork, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('module panels', { timeout: 60_000 }, () => {
  it('draws what a module\'s panels hook returns, from a sample of the runs, and shows a bad panel as its problem', async () => {
    let seen: PanelInput | undefined;
    const registry = new ModuleRegistry(
      builtinRegistry.list().map((d): ModuleDefinition =>
        d.name !== 'service-queue'
          ? d
          : {
              ...d,
              panels: (input: PanelInput): Panel[] => {
                seen = input;
                const served = input.runs.map((r) => ((r.results[input.instance] as { served: number }).served));
                return [
                  { title: 'served per run', table: { columns: ['run', 'served'], rows: input.runs.map((r, i) => [r.runId, served[i] ?? null]) } },
                  { title: 'served, plotted', plot: { data: { values: served.map((v, i) => ({ i, v })) }, mark: 'point', encoding: { x: { field: 'i', type: 'ordinal' }, y: { field: 'v', type: 'quantitative' } } } },
                  { title: 'not a panel' } as unknown as Panel,
                  { title: 'fetches its data', plot: { data: { url: 'https://example.invalid/data.json' }, mark: 'point' } },
                ];
              },
            },
      ),
    );
    const report = (await buildReport(store, layout, manifest, { registry })).toString('utf8');
    expect(seen?.instance).toBe('server');
    expect(seen?.runs.map((r) => r.runId)).toEqual(['run-000000', 'run-000001', 'run-000002', 'run-000003', 'run-000005']);
    expect(seen?.runs[3]?.params).toEqual({ 'arrivals.rate': 0.8 });
    const panels = report.slice(report.indexOf('id="module-panels"'), report.indexOf('id="time-series"'));
    const summary = JSON.parse(readFileSync(join(set, 'runs', 'run-000003', 'summary.json'), 'utf8')) as { results: { server: { served: number } } };
    expect(panels).toContain(`<td>run-000003</td><td>${summary.results.server.served}</td>`);
    expect(panels).toContain('<figcaption>served, plotted</figcaption><svg');
    expect(panels).toContain('server: a panel is not a plot or table');
    expect(panels).toContain("server: fetches its data: could not be drawn: a figure&#39;s data must be inline; it names https://example.invalid/data.json");
  });

  it('gives a panels hook the output files its module lists in panelOutputs (every one when unset), read and checked; governance-cascade lists none', async () => {
    const yaml = `
apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: panel-outputs }
spec:
  scenario:
    modules:
      - { kind: network, module: erdos-renyi, name: influence, config: { size: 12, p: 0.3 } }
      - { kind: agent, module: governance-cascade, name: governance, config: { agents: 12, network: influence } }
    horizon: { events: 1000 }
  sweep:
    seeds: { base: 5, replicas: 2 }
`;
    const root = mkdtempSync(join(tmpdir(), 'swarmlab-panel-outputs-'));
    try {
      await runLocal(parseExperimentText(yaml), { store: new FileStore(root), registry: builtinRegistry, workers: 1 });
      const govSet = join(root, 'panel-outputs', readdirSync(join(root, 'panel-outputs'))[0] as string);
      const govManifest = Manifest.parse(JSON.parse(readFileSync(join(govSet, 'manifest.json'), 'utf8')));
      const outputsSeen = async (panelOutputs: readonly string[] | undefined): Promise<Record<string, unknown>[]> => {
        let seen: PanelInput | undefined;
        const registry = new ModuleRegistry(
          builtinRegistry.list().map((d): ModuleDefinition => {
            if (d.name !== 'governance-cascade') return d;
            const { panelOutputs: _listed, ...rest } = d;
            return { ...rest, ...(panelOutputs === undefined ? {} : { panelOutputs }), panels: (input: PanelInput): Panel[] => ((seen = input), []) };
          }),
        );
        await buildReport(new FileStore(govSet), layout, govManifest, { registry });
        return (seen?.runs ?? []).map((r) => ({ ...r.outputs }));
      };
      expect(builtinRegistry.get('agent', 'governance-cascade')?.panelOutputs).toEqual([]);
      expect(await outputsSeen([])).toEqual([{}, {}]);
      for (const listed of [undefined, ['governance_record.json']]) {
        const seen = await outputsSeen(listed);
        expect(seen).toHaveLength(2);
        for (const outputs of seen) expect((outputs['governance_record.json'] as { num_agents: number }).num_agents).toBe(12);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

