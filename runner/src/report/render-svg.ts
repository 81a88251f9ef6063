import { Error as ERROR_LEVEL, loader as vegaLoader, logger as vegaLogger, parse, resetSVGDefIds, View, type LoggerInterface } from 'vega';
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

/** Figures carry their data inline: a spec that names a URL (data, image) is refused, never fetched. */
const NOTHING_LOADED = vegaLoader();
const refuse = (uri: string): Promise<never> => Promise.reject(new Error(`a figure's data must be inline; it names ${uri}`));
NOTHING_LOADED.load = refuse;
NOTHING_LOADED.sanitize = refuse;

/** Vega's logger, keeping errors (a failed load, a bad expression: Vega logs them and draws on); the rest is dropped. */
function keepErrors(errors: unknown[]): LoggerInterface {
  const log = vegaLogger(ERROR_LEVEL);
  log.error = (...args: readonly unknown[]) => {
    errors.push(args[0]);
    return log;
  };
  return log;
}

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
    const vega = compile({ ...spec, config: { ...CONFIG, ...spec.config } } as TopLevelSpec).spec;
    for (const d of vega.data ?? []) if ('url' in d) throw new Error(`a figure's data must be inline; it names ${String(d.url)}`);
    const errors: unknown[] = [];
    const view = new View(parse(vega), { renderer: 'none', loader: NOTHING_LOADED, logger: keepErrors(errors) });
    try {
      const svg = await view.toSVG();
      if (errors.length > 0) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
      return svg;
    } finally {
      view.finalize();
    }
  }
}
