import { groupValues, intervalPlot, type Panel, type PanelInput, type PanelRun } from 'swarmlab/sdk';

// The Governance Cascade Simulator's views: the final yes share and the
// flips against the conformity threshold, and the flips in each round.

interface Outcome {
  final_votes?: { yes: number; no: number; abstain: number };
  flips?: number;
  flips_per_round?: number[];
}

function outcome(input: PanelInput, run: PanelRun): Outcome {
  return (run.results[input.instance] ?? {}) as Outcome;
}

function conformity(run: PanelRun): string {
  return String(run.config.conformityThreshold);
}

export function governancePanels(input: PanelInput): Panel[] {
  const share = groupValues(input.runs, (run) => {
    const v = outcome(input, run).final_votes;
    const total = v === undefined ? 0 : v.yes + v.no + v.abstain;
    return [conformity(run), 'yes share', v === undefined || total === 0 ? undefined : v.yes / total];
  });
  const flips = groupValues(input.runs, (run) => [conformity(run), 'flips', outcome(input, run).flips]);
  const perRound = groupValues(
    input.runs.flatMap((run) => (outcome(input, run).flips_per_round ?? []).map((f, i) => ({ run, round: i + 1, f }))),
    ({ run, round, f }) => [String(round), conformity(run), f],
  ).map((g) => ({ round: Number(g.x), conformity: g.group, mean: input.describe(g.values).mean ?? null }));
  return [
    { title: 'Final yes share against conformity (mean, 95% CI)', plot: intervalPlot(input, share, { x: 'conformity threshold', y: 'final yes share', group: 'outcome' }) },
    { title: 'Vote flips against conformity (mean, 95% CI)', plot: intervalPlot(input, flips, { x: 'conformity threshold', y: 'flips per run', group: 'outcome' }) },
    {
      title: 'Flips per round (mean across seeds)',
      note: 'A run that settled before the last round has no flips recorded for the rounds after it.',
      plot: {
        width: 320,
        height: 180,
        data: { values: perRound },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'round', type: 'ordinal', title: 'round' },
          y: { field: 'mean', type: 'quantitative', title: 'flips (mean)' },
          color: { field: 'conformity', type: 'ordinal', title: 'conformity threshold' },
        },
      },
    },
  ];
}
