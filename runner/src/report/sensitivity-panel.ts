import { SensitivityFile, type MetricSensitivity } from '../analysis/sensitivity-file.ts';
import type { Estimate } from '../analysis/bootstrap.ts';
import type { Manifest } from '../outputs/schemas.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import type { FigureSpec, SvgRenderer } from './render-svg.ts';
import { escapeHtml, htmlFigure, htmlTable } from './html.ts';
import { readDerivedFile } from '../results/read-derived-file.ts';

/** Metrics drawn as figures (every one is in the table and in sensitivity.json). */
const DRAWN_METRICS = 12;

const fmt = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
const withCi = (e: Estimate): string => (e.value === null ? '–' : `${fmt(e.value)} [${fmt(e.ci_low)}, ${fmt(e.ci_high)}]`);

/** S1 and ST of each parameter as bars, each with its interval. */
function sobolFigure(m: MetricSensitivity): FigureSpec {
  const values = (m.sobol ?? []).flatMap((p) => [
    { param: p.param, index: 'S1 (first order)', value: p.first.value, lo: p.first.ci_low, hi: p.first.ci_high },
    { param: p.param, index: 'ST (total order)', value: p.total.value, lo: p.total.ci_low, hi: p.total.ci_high },
  ]);
  const x = { field: 'param', type: 'nominal', title: null, sort: (m.sobol ?? []).map((p) => p.param), axis: { labelAngle: -30, labelLimit: 180 } } as const;
  const xOffset = { field: 'index', type: 'nominal' } as const;
  return {
    width: Math.max(240, 60 * (m.sobol?.length ?? 1)),
    height: 180,
    data: { values },
    layer: [
      { mark: 'bar', encoding: { x, xOffset, y: { field: 'value', type: 'quantitative', title: 'share of variance' }, color: { field: 'index', type: 'nominal', title: null } } },
      { mark: { type: 'rule', color: '#333' }, encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  };
}

/** mu* against sigma: the parameters that matter lie right, those that interact or act nonlinearly high. */
function morrisFigure(m: MetricSensitivity): FigureSpec {
  const values = (m.morris ?? []).map((p) => ({ param: p.param, muStar: p.mu_star.value, sigma: p.sigma }));
  const x = { field: 'muStar', type: 'quantitative', title: 'mu* (mean |elementary effect|)' } as const;
  const y = { field: 'sigma', type: 'quantitative', title: 'sigma' } as const;
  return {
    width: 300,
    height: 200,
    data: { values },
    layer: [
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y } },
      { mark: { type: 'text', align: 'left', dx: 6, fontSize: 10 }, encoding: { x, y, text: { field: 'param' } } },
    ],
  };
}

function metricBlock(doc: SensitivityFile, m: MetricSensitivity, svg: string | undefined): string {
  const table =
    doc.method === 'sobol'
      ? htmlTable(['parameter', 'S1 [CI]', 'ST [CI]'], (m.sobol ?? []).map((p) => [p.param, withCi(p.first), withCi(p.total)])) +
        (m.second_order?.length ? htmlTable(['parameters', 'S2 [CI]'], m.second_order.map((s) => [s.params.join(' × '), withCi(s.estimate)])) : '')
      : htmlTable(['parameter', 'mu* [CI]', 'mu', 'sigma'], (m.morris ?? []).map((p) => [p.param, withCi(p.mu_star), fmt(p.mu), fmt(p.sigma)]));
  const unit = doc.method === 'sobol' ? 'base samples' : 'trajectories';
  const note = `${m.groups} ${unit}${m.excluded > 0 ? `; ${m.excluded} left out: a point of theirs has no value (its runs failed)` : ''}.`;
  const figure = svg === undefined ? '' : htmlFigure(doc.method === 'sobol' ? "Sobol' indices" : 'Morris: mu* and sigma', svg);
  return `<div class="metric"><h3>${escapeHtml(m.metric)}</h3><p class="note">${escapeHtml(note)}</p><div class="figures">${figure}<div>${table}</div></div></div>`;
}

/**
 * The report's sensitivity section, from sensitivity.json when `swarmlab
 * analyze` wrote one for these results: empty when there is none, a note
 * when it is invalid or was computed from another manifest.
 */
export async function sensitivityPanel(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, renderer: SvgRenderer): Promise<string> {
  const read = await readDerivedFile(store, layout.sensitivity, SensitivityFile, manifest.digest);
  if (read === undefined) return '';
  const open = '<section id="sensitivity"><h2>Sensitivity analysis</h2>';
  if ('problem' in read) return `${open}<p>sensitivity.json ${escapeHtml(read.problem)}: run swarmlab analyze again.</p></section>`;
  const doc = read.doc;
  const how =
    doc.method === 'sobol'
      ? "Sobol' indices of each final metric (first order: Saltelli et al. 2010; total order: Jansen 1999), each point's value the mean over its seeds"
      : "Morris's elementary effects of each final metric (mu*, mu, sigma), each point's value the mean over its seeds";
  const intro = `<p>${escapeHtml(how)}; intervals: ${Math.round(doc.bootstrap.confidence * 100)}% bootstrap percentiles over ${doc.bootstrap.resamples} resamples. From sensitivity.json (swarmlab analyze --method ${doc.method}).</p>`;
  const blocks: string[] = [];
  for (const [i, m] of doc.metrics.entries()) {
    const drawable = doc.method === 'sobol' ? (m.sobol ?? []).some((p) => p.first.value !== null) : (m.morris ?? []).length > 0;
    const svg = i < DRAWN_METRICS && drawable ? await renderer.render(doc.method === 'sobol' ? sobolFigure(m) : morrisFigure(m)) : undefined;
    blocks.push(metricBlock(doc, m, svg));
  }
  const more = doc.metrics.length > DRAWN_METRICS ? `<p class="note">Figures for the first ${DRAWN_METRICS} metrics; the tables have every one.</p>` : '';
  return `${open}${intro}${more}${blocks.join('\n')}</section>`;
}
