import { groupValues, intervalPlot, pointLabel, type Panel, type PanelInput } from 'swarmlab/sdk';

// The epidemic's views in the report: the attack rate at each parameter point
// and the course of the epidemic over time.

export function sirPanels(input: PanelInput): Panel[] {
  const attack = groupValues(input.runs, (run) => [pointLabel(input.params, run), 'attack rate', (run.results[input.instance] as { attackRate?: number } | undefined)?.attackRate]);
  return [
    { title: 'Attack rate: the share of agents ever infected (mean, 95% CI)', plot: intervalPlot(input, attack, { x: 'point', y: 'attack rate', group: '' }) },
    { title: 'Infectious agents over time', series: { metrics: [`${input.instance}.infected`] } },
  ];
}
