import { parse, resetSVGDefIds, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A figure's Vega-Lite spec (data inline). */
export type FigureSpec = TopLevelSpec;

/** Text and fonts that need no download: the reader's own sans-serif. */
const CONFIG = {
  font: 'sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridColor: '#eee' },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  header: { labelFontSize: 11, titleFontSize: 11 },
} as const;

/**
 * Renders figures to static SVG with Vega's headless renderer: no canvas,
 * no browser, no script in the page. One renderer per report: the ids of
 * clip paths and gradients count up from 1 within it, so that figures
 * inlined in one page do not share ids and the same report is the same
 * bytes.
 */
export class SvgRenderer {
  constructor() {
    resetSVGDefIds();
  }

  async render(spec: FigureSpec): Promise<string> {
    const t0 = performance.now();
    const vega = compile({ ...spec, config: { ...CONFIG, ...spec.config } } as TopLevelSpec).spec;
    const view = new View(parse(vega), { renderer: 'none' });
    try {
      const svg = await view.toSVG();
      if (process.env.REPORT_PROFILE) process.stderr.write(`${Math.round(performance.now() - t0)} ms ${svg.length} B\n`);
      return svg;
    } finally {
      view.finalize();
    }
  }
}
