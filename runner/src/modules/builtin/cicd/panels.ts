import { groupValues, intervalPlot, pointLabel, type Panel, type PanelInput } from 'swarmlab/sdk';

// The CI/CD self-healing views: how incidents healed over time, refusals by
// gate, and MTTR, uptime and recovery success per environment.

interface EnvironmentsSummary {
  mttrByEnvironment?: Record<string, number | null>;
  uptimeByEnvironment?: Record<string, number | null>;
  recoverySuccessRate?: number | null;
}

interface GateSummary {
  refused?: number;
  rewritten?: number;
  byCode?: Record<string, number>;
}

export function cicdPanels(input: PanelInput): Panel[] {
  const xTitle = input.params.length === 1 ? (input.params[0] as string) : 'parameter point';
  const env = (r: (typeof input.runs)[number]): EnvironmentsSummary => (r.results[input.instance] ?? {}) as EnvironmentsSummary;
  const mttr = groupValues(
    input.runs.flatMap((run) => Object.entries(env(run).mttrByEnvironment ?? {}).map(([e, v]) => ({ run, e, v }))),
    ({ run, e, v }) => [pointLabel(input.params, run), e, v ?? undefined],
  );
  const uptime = groupValues(
    input.runs.flatMap((run) => Object.entries(env(run).uptimeByEnvironment ?? {}).map(([e, v]) => ({ run, e, v }))),
    ({ run, e, v }) => [pointLabel(input.params, run), e, v ?? undefined],
  );
  const success = groupValues(input.runs, (run) => [pointLabel(input.params, run), 'all environments', env(run).recoverySuccessRate ?? undefined]);
  const gates = input.instances.filter((i) => i.kind === 'policy').map((i) => i.instance);
  const refusals = groupValues(
    input.runs.flatMap((run) => gates.flatMap((g) => Object.entries(((run.results[g] ?? {}) as GateSummary).byCode ?? {}).map(([code, n]) => ({ run, g, code, n })))),
    ({ g, code, n }) => [g, code, n],
  ).map((x) => ({ gate: x.x, code: x.group, mean: x.values.reduce((a, b) => a + b, 0) / input.runs.length }));
  const incidents = ['incidents', 'resolved', 'open'].map((k) => `${input.instance}.${k}`);
  return [
    { title: 'Healing timeline: incidents, resolved and open over logical time', note: 'The first seed of each point drawn in the report\'s time series.', series: { metrics: incidents } },
    refusals.length === 0
      ? {
          title: 'Refusals and rewrites by gate (mean per run, by code)',
          note: 'No gate refused or rewrote an action in these runs.',
          table: { columns: ['gate', 'refusals and rewrites per run'], rows: gates.length > 0 ? gates.map((g) => [g, 0]) : [['(no gate in the scenario)', 0]] },
        }
      : {
      title: 'Refusals and rewrites by gate (mean per run, by code)',
      plot: {
        width: 360,
        height: 200,
        data: { values: refusals },
        mark: 'bar',
        encoding: {
          x: { field: 'gate', type: 'nominal', title: 'gate', sort: gates },
          y: { field: 'mean', type: 'quantitative', title: 'per run (mean)', stack: 'zero' },
          color: { field: 'code', type: 'nominal', title: 'code' },
        },
      },
    },
    { title: 'MTTR per environment (mean, 95% CI)', plot: intervalPlot(input, mttr, { x: xTitle, y: 'mean time to recovery', group: 'environment' }) },
    { title: 'Uptime per environment (mean, 95% CI)', note: 'Share of app-time not crashed; environments with no app are left out.', plot: intervalPlot(input, uptime, { x: xTitle, y: 'uptime', group: 'environment' }) },
    {
      title: 'Recovery success rate (mean, 95% CI)',
      note: 'The environments module records the success rate of recovery actions over all environments; per environment it records MTTR only.',
      plot: intervalPlot(input, success, { x: xTitle, y: 'recovery success rate', group: 'scope' }),
    },
  ];
}
