import { AdaptiveFile, type SearchResult } from '../rounds/adaptive-file.ts';
import type { Manifest } from '../outputs/schemas.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import type { FigureSpec, SvgRenderer } from './render-svg.ts';
import { escapeHtml, htmlFigure, htmlTable } from './html.ts';
import { readDerivedFile } from '../results/read-derived-file.ts';

/** Searches drawn as figures (every one is in the table and in adaptive.json). */
const DRAWN_SEARCHES = 12;
/** Points listed in the replication table (adaptive.json has every one). */
const LISTED_POINTS = 200;

const fmt = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(4)).toString());
const paramsText = (params: Record<string, unknown>): string => Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(', ') || '(the scenario as written)';

/** The search converging: the interval after each round as a band, each probe at the round that first ran it, the estimate as a line. */
function searchFigure(doc: AdaptiveFile, s: SearchResult): FigureSpec {
  const parameter = String(doc.settings.parameter);
  const band = s.history.filter((h) => h.low !== null && h.high !== null);
  const probes = s.probes.map((p) => ({ round: p.round, value: p.value, verdict: p.verdict, mean: p.mean }));
  const y = { type: 'quantitative', title: parameter, scale: { zero: false } } as const;
  const x = { field: 'round', type: 'quantitative', title: 'round', axis: { tickMinStep: 1 } } as const;
  const layers: unknown[] = [
    { data: { values: band }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } } },
    {
      data: { values: probes },
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x,
        y: { ...y, field: 'value' },
        color: { field: 'verdict', type: 'nominal', title: 'probe', scale: { domain: ['holds', 'fails', 'undecided', 'open'], range: ['#e45756', '#54a24b', '#f58518', '#999999'] } },
        tooltip: [{ field: 'value' }, { field: 'mean' }],
      },
    },
  ];
  if (s.estimate !== null) layers.push({ data: { values: [{ estimate: s.estimate }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#222' }, encoding: { y: { ...y, field: 'estimate' } } });
  return { width: 360, height: 220, layer: layers } as FigureSpec;
}

/** The probes' means against the parameter, with their intervals and the threshold. */
function probeFigure(doc: AdaptiveFile, s: SearchResult): FigureSpec {
  const parameter = String(doc.settings.parameter);
  const threshold = (doc.settings.criterion as { value: number }).value;
  const values = s.probes.filter((p) => p.mean !== null).map((p) => ({ value: p.value, mean: p.mean, lo: p.ci95_low ?? p.mean, hi: p.ci95_high ?? p.mean, verdict: p.verdict }));
  const x = { field: 'value', type: 'quantitative', title: parameter, scale: { zero: false } } as const;
  return {
    width: 360,
    height: 220,
    layer: [
      { data: { values }, mark: { type: 'rule', color: '#888' }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: `mean of ${doc.metric}`, scale: { zero: false } }, y2: { field: 'hi' } } },
      { data: { values }, mark: { type: 'point', filled: true, size: 40 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: { field: 'verdict', type: 'nominal', title: 'probe', scale: { domain: ['holds', 'fails', 'undecided', 'open'], range: ['#e45756', '#54a24b', '#f58518', '#999999'] } } } },
      { data: { values: [{ threshold }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#222' }, encoding: { y: { field: 'threshold', type: 'quantitative' } } },
    ],
  } as FigureSpec;
}

/** The boundary as a curve: each search's estimate and interval against the one other parameter the grid or points vary. */
function boundaryFigure(doc: AdaptiveFile, other: string): FigureSpec {
  const values = (doc.searches ?? []).filter((s) => s.estimate !== null).map((s) => ({ at: s.params[other], estimate: s.estimate, lo: s.ci_low, hi: s.ci_high }));
  const numeric = values.every((v) => typeof v.at === 'number');
  const x = { field: 'at', type: numeric ? 'quantitative' : 'nominal', title: other, ...(numeric ? { scale: { zero: false } } : {}) } as const;
  const y = { type: 'quantitative', title: `breaking point of ${String(doc.settings.parameter)}`, scale: { zero: false } } as const;
  return {
    width: 360,
    height: 220,
    data: { values },
    layer: [
      { mark: { type: numeric ? 'area' : 'bar', opacity: 0.25, color: '#4c78a8' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' } } },
      { mark: { type: 'line', point: true, color: '#222' }, encoding: { x, y: { ...y, field: 'estimate' } } },
    ],
  } as FigureSpec;
}

async function breakingPointBlocks(doc: AdaptiveFile, renderer: SvgRenderer): Promise<string> {
  const searches = doc.searches ?? [];
  const confidence = Number(doc.settings.confidence);
  const table = htmlTable(
    ['point', 'status', 'estimate', 'interval', 'joint confidence', 'probes', 'runs'],
    searches.map((s) => [
      paramsText(s.params),
      s.status,
      fmt(s.estimate),
      s.ci_low === null ? '–' : `[${fmt(s.ci_low)}, ${fmt(s.ci_high)}]`,
      s.ci_low === null ? '–' : `≥ ${fmt(Math.max(0, 1 - (s.decisions * (1 - confidence)) / 2))}`,
      String(s.probes.length),
      String(s.probes.reduce((n, p) => n + p.seeds, 0)),
    ]),
  );
  const blocks: string[] = [table];
  const others = [...new Set(searches.flatMap((s) => Object.keys(s.params)))];
  if (searches.length > 1 && others.length === 1) {
    blocks.push(`<div class="figures">${htmlFigure('the boundary: each search\'s estimate and interval', await renderer.render(boundaryFigure(doc, others[0]!)))}</div>`);
  }
  for (const s of searches.slice(0, DRAWN_SEARCHES)) {
    const converging = await renderer.render(searchFigure(doc, s));
    const probes = await renderer.render(probeFigure(doc, s));
    blocks.push(
      `<div class="metric"><h3>${escapeHtml(paramsText(s.params))}</h3><div class="figures">` +
        htmlFigure('the interval after each round, and each probe', converging, 'Band: the values between the nearest probes decided each way; dashed: the estimate.') +
        htmlFigure('each probe\'s mean and 95% interval', probes, 'Dashed: the threshold. Decisions use the interval at breakingPoint.confidence, wider than the 95% drawn.') +
        '</div></div>',
    );
  }
  return blocks.join('\n');
}

function replicationBlock(doc: AdaptiveFile): string {
  const points = doc.replication ?? [];
  const count = (state: string): number => points.filter((p) => p.state === state).length;
  const summary = `${count('reached')} of ${points.length} points reached the target, ${count('max-seeds')} stopped at maxSeeds${count('open') > 0 ? `, ${count('open')} were still open when the sweep stopped` : ''}; ${points.reduce((n, p) => n + p.seeds, 0)} runs.`;
  const rows = points.slice(0, LISTED_POINTS).map((p) => [paramsText(p.params), String(p.seeds), fmt(p.mean), fmt(p.half_width), p.state]);
  const more = points.length > LISTED_POINTS ? `<p class="note">The first ${LISTED_POINTS} of ${points.length} points; adaptive.json has every one.</p>` : '';
  return `<p>${escapeHtml(summary)}</p>${htmlTable(['point', 'seeds', 'mean', '95% half-width', 'state'], rows)}${more}`;
}

/**
 * The report's section on an adaptive sweep's rounds, from adaptive.json:
 * empty when there is none, a note when it is invalid or from other results.
 */
export async function adaptivePanel(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, renderer: SvgRenderer): Promise<string> {
  const read = await readDerivedFile(store, layout.adaptive, AdaptiveFile, manifest.digest);
  if (read === undefined) return '';
  const open = '<section id="rounds"><h2>Adaptive rounds</h2>';
  if ('problem' in read) return `${open}<p>adaptive.json ${escapeHtml(read.problem)}: run swarmlab results again to rebuild it.</p></section>`;
  const doc = read.doc;
  const criterion = doc.settings.criterion as { op: string; value: number } | undefined;
  const how =
    doc.mode === 'replication'
      ? `Adaptive replication on ${doc.metric}: seeds were added to each point, round by round, until the 95% interval of its mean was as narrow as the target, or maxSeeds.`
      : `Breaking-point search on ${String(doc.settings.parameter)}: where the mean of ${doc.metric} ${criterion?.op ?? ''} ${String(criterion?.value)} starts to hold. Each probe got seeds until its interval at confidence ${String(doc.settings.confidence)} lay on one side of the threshold; the interval is between the nearest probes decided each way, and holds the breaking point when every decision was right (joint confidence, by Bonferroni).`;
  const intro = `<p>${escapeHtml(how)} ${doc.rounds.length} rounds (${doc.ended}). From adaptive.json.</p>`;
  const body = doc.mode === 'replication' ? replicationBlock(doc) : await breakingPointBlocks(doc, renderer);
  return `${open}${intro}${body}</section>`;
}
