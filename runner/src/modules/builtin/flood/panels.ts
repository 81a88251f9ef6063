import { groupValues, intervalPlot, pointLabel, type Panel, type PanelInput } from 'swarmlab/sdk';
import type { FailureAnalysis } from './analysis.ts';

// The flood failure analysis across runs: which services fail, when after
// the flood's onset, and the root causes of the failures, ranked.

const ANALYSIS = 'failure_analysis.json';
/** Root causes listed, most frequent first. */
const TOP_CAUSES = 15;

interface InfraSummary {
  services?: Record<string, { everFailed?: boolean }>;
}

export function floodPanels(input: PanelInput): Panel[] {
  const xTitle = input.params.length === 1 ? (input.params[0] as string) : 'parameter point';
  const failed = groupValues(
    input.runs.flatMap((run) => Object.entries(((run.results[input.instance] ?? {}) as InfraSummary).services ?? {}).map(([service, s]) => ({ run, service, s }))),
    ({ run, service, s }) => [service, pointLabel(input.params, run), s.everFailed === undefined ? undefined : s.everFailed ? 1 : 0],
  );
  const analyses = input.runs.flatMap((run) => {
    const a = run.outputs[ANALYSIS] as FailureAnalysis | undefined;
    return a === undefined ? [] : [{ run, a }];
  });
  const whenFailed = analyses.flatMap(({ run, a }) =>
    Object.entries(a.time_to_failure).flatMap(([service, t]) => (t === null ? [] : [{ service, at: pointLabel(input.params, run), t }])),
  );
  const causes = new Map<string, { failures: number; runs: Set<string>; services: Set<string> }>();
  let failures = 0;
  for (const { run, a } of analyses) {
    for (const f of a.failures) {
      const root = f.chain.find((s) => s.relation === 'root') ?? f.chain.at(-1);
      if (root === undefined) continue;
      failures++;
      const key = `${root.type} (${root.service ?? root.source})`;
      const c = causes.get(key) ?? { failures: 0, runs: new Set(), services: new Set() };
      c.failures++;
      c.runs.add(run.runId);
      c.services.add(f.service);
      causes.set(key, c);
    }
  }
  const ranked = [...causes].sort((a, b) => b[1].failures - a[1].failures || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_CAUSES);
  return [
    { title: 'Which services fail: share of runs in which each failed (mean, 95% CI)', plot: intervalPlot(input, failed, { x: 'service', y: 'share of runs failed', group: xTitle }) },
    {
      title: 'When: time from the flood onset to each service\'s first failure',
      note: 'One dot per run in which the service failed.',
      plot: {
        width: 360,
        height: 200,
        data: { values: whenFailed },
        mark: { type: 'circle', size: 30, opacity: 0.7 },
        encoding: {
          x: { field: 'service', type: 'nominal', title: 'service' },
          xOffset: { field: 'at' },
          y: { field: 't', type: 'quantitative', title: 'time to first failure' },
          color: { field: 'at', type: 'ordinal', title: xTitle, sort: [...new Set(input.runs.map((run) => pointLabel(input.params, run)))] },
        },
      },
    },
    {
      title: 'Root causes of the failures, ranked',
      note: `From the causal chains of ${failures} failures in ${analyses.length} runs' failure analyses (failure_analysis.json): the event each chain starts from.`,
      table: {
        columns: ['root cause (event, where)', 'failures', 'share of failures', 'runs', 'services failed'],
        rows: ranked.map(([key, c]) => [key, c.failures, failures === 0 ? null : c.failures / failures, c.runs.size, [...c.services].sort().join(', ')]),
      },
    },
  ];
}
