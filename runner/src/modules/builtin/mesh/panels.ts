import { groupValues, intervalPlot, pointLabel, type Panel, type PanelInput } from 'swarmlab/sdk';

// The mesh's view: the learned routing against each heuristic strategy, with
// 95% intervals across seeds, at each point of the sweep (the shipped sweep
// has one point per strategy). Every router instance is in it, so the first
// one draws it.

interface RouterSummary {
  strategy?: string;
  score?: number;
  fillRate?: number;
  avgCost?: number;
  avgLatency?: number;
}

const MEASURES = [
  ['score', 'score (mean reward per request)'],
  ['fillRate', 'fill rate'],
  ['avgCost', 'mean cost'],
  ['avgLatency', 'mean latency'],
] as const;

export function meshPanels(input: PanelInput): Panel[] {
  const routers = input.instances.filter((i) => i.module === 'mesh-router').map((i) => i.instance);
  if (routers[0] !== input.instance) return [];
  const xTitle = input.params.length === 1 ? (input.params[0] as string) : 'parameter point';
  return MEASURES.map(([key, name]) => {
    const groups = groupValues(
      input.runs.flatMap((run) => routers.map((r) => ({ run, s: (run.results[r] ?? {}) as RouterSummary, r }))),
      ({ run, s, r }) => [pointLabel(input.params, run), `${s.strategy ?? r} (${r})`, s[key]],
    );
    return { title: `${name[0]?.toUpperCase()}${name.slice(1)}: learned routing against each heuristic (mean, 95% CI)`, plot: intervalPlot(input, groups, { x: xTitle, y: name, group: 'strategy (instance)' }) };
  });
}
