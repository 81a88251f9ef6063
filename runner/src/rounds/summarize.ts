import { SwarmlabError } from '../errors.ts';
import type { Manifest } from '../outputs/schemas.ts';
import type { SampleStatistics } from '../results/statistics.ts';
import type { Experiment } from '../spec/experiment.ts';
import { basePointCount, pointCount, pointParams, searchLevels } from '../spec/plan.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { ADAPTIVE_SCHEMA_VERSION, AdaptiveFile, type SearchResult } from './adaptive-file.ts';
import { halfWidth } from './allocation.ts';
import { estimateOf, probesOf, type SearchState } from './breaking-point.ts';
import { observeRuns, roundsColumn } from './observe.ts';
import { planRounds, plannedIndices, type RoundsPlan } from './plan-rounds.ts';
import { replicationState } from './replication.ts';

const sample = (seeds: number, s: SampleStatistics) => ({ seeds, n: s.n, mean: s.mean ?? null, ci95_low: s.ciLow ?? null, ci95_high: s.ciHigh ?? null });

/** The round that first gave each point seeds. */
function firstRounds(plan: RoundsPlan): Map<number, number> {
  const first = new Map<number, number>();
  const perPoint = plan.allocation.seedsPerPoint;
  for (const r of plan.rounds) for (const i of r.indices) if (!first.has(Math.floor(i / perPoint))) first.set(Math.floor(i / perPoint), r.round);
  return first;
}

function searchResult(exp: Experiment, plan: RoundsPlan, base: number, first: ReadonlyMap<number, number>): SearchResult {
  const b = exp.spec.sweep.breakingPoint!;
  const levels = searchLevels(b);
  const final = plan.history[plan.history.length - 1]![base] as SearchState;
  const params = pointParams(exp.spec.sweep, base * levels);
  delete params[b.parameter];
  const decided = final.low !== undefined && final.high !== undefined;
  return {
    point: base,
    params,
    status: final.status,
    holds_above: final.holdsAbove ?? null,
    estimate: estimateOf(b, final) ?? null,
    ci_low: decided ? final.low!.value : null,
    ci_high: decided ? final.high!.value : null,
    decisions: final.probes.filter((p) => p.verdict === 'holds' || p.verdict === 'fails').length,
    probes: probesOf(b, plan.allocation, base).map((p) => ({ ...sample(p.seeds, p.stats), value: p.value, level: p.level, round: first.get(base * levels + p.level) ?? 0, verdict: p.verdict })),
    history: plan.history.map((states, round) => ({ round, low: states[base]?.low?.value ?? null, high: states[base]?.high?.value ?? null })),
  };
}

/**
 * adaptive.json's content for a finished adaptive sweep: its rounds replayed
 * from the manifest's runs (their values read as the results table has
 * them), which must be exactly the manifest's runs. Pure in the results.
 */
export async function summarizeRounds(store: ObjectStore, layout: ResultsLayout, exp: Experiment, manifest: Manifest): Promise<AdaptiveFile> {
  const column = roundsColumn(exp) as string;
  // Runs the failure budget kept from starting were never observed: the rounds stop at theirs, as the sweep did.
  const observed = await observeRuns(store, layout, column, manifest.runs.filter((r) => r.error?.code !== 'NOT_STARTED'));
  const plan = planRounds(exp, observed);
  const planned = plannedIndices(plan);
  const stopped = plan.ended === undefined;
  const runs = manifest.runs.map((r) => r.index);
  if (planned.length !== runs.length || planned.some((i, k) => i !== runs[k])) {
    throw new SwarmlabError('INVALID_OUTPUT', `the manifest's ${runs.length} runs are not the ${planned.length} runs its rounds give when replayed from their results`, {
      file: store.uriFor(layout.manifest),
      hint: 'swarmlab validate lists the problems of the result set',
    });
  }
  const first = firstRounds(plan);
  const sweep = exp.spec.sweep;
  const settings = (sweep.replication ?? sweep.breakingPoint) as Record<string, unknown>;
  const doc: AdaptiveFile = {
    schema_version: ADAPTIVE_SCHEMA_VERSION,
    experiment: { name: manifest.experiment.name, spec_digest: manifest.experiment.spec_digest },
    manifest_digest: manifest.digest,
    mode: plan.mode,
    settings: JSON.parse(JSON.stringify(settings)) as Record<string, unknown>,
    metric: column,
    ended: plan.ended ?? 'stopped',
    rounds: plan.rounds.map((r) => ({ round: r.round, runs: r.indices.length, first_index: r.indices[0] ?? 0, last_index: r.indices[r.indices.length - 1] ?? 0 })),
  };
  if (sweep.replication !== undefined) {
    const r = sweep.replication;
    doc.replication = Array.from({ length: pointCount(sweep) }, (_, p) => {
      const s = plan.allocation.statistics(p);
      const state = replicationState(r, plan.allocation, p);
      return { point: p, params: pointParams(sweep, p), ...sample(plan.allocation.seeds(p), s), half_width: halfWidth(s) ?? null, state: stopped && state === 'open' ? 'open' : state };
    });
  } else {
    doc.searches = Array.from({ length: basePointCount(sweep) }, (_, base) => searchResult(exp, plan, base, first));
  }
  return AdaptiveFile.parse(doc);
}
