// The mesh comparison table: the learned routing against every heuristic
// router, on the same demand draws, mean and 95% CI over N seeds.
//
// It writes scenarios/mesh-routing.yaml with N seeds (and the `final` trace:
// the summaries are all the table needs) to <store dir>/mesh-routing-comparison.yaml,
// runs it with `swarmlab run`, then prints two Markdown tables with
// `swarmlab report --markdown`: the whole run (training included) and its
// last quarter of episodes (the trained routing); then, seed by seed (the same
// demand draws), the learned score less each heuristic's; then the learned
// runs' reward per episode; each mean and 95% CI across the seeds (from the
// runs' summary.json).
// With `steady`, demand is steady and no provider fails: the convergence case.
// Run: node scripts/mesh-comparison.ts [seeds=20] [store dir=results] [steady]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describeSample } from 'swarmlab';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const seeds = Number(process.argv[2] ?? 20);
const dir = resolve(process.argv[3] ?? 'results');
const steady = process.argv[4] === 'steady';
if (!Number.isInteger(seeds) || seeds < 2) throw new Error('seeds: a whole number of at least 2');
const cli = fileURLToPath(new URL('../bin/swarmlab.js', import.meta.url));
const doc = parse(readFileSync(new URL('../scenarios/mesh-routing.yaml', import.meta.url), 'utf8')) as {
  metadata: { name: string };
  spec: { scenario: { modules: { name?: string; config: Record<string, unknown> }[] }; sweep: { seeds: unknown }; output?: unknown };
};
doc.metadata.name = steady ? 'mesh-routing-steady' : 'mesh-routing-comparison';
if (steady) {
  const config = (name: string) => doc.spec.scenario.modules.find((m) => m.name === name)!.config;
  Object.assign(config('workload'), { amplitude: 0, bursts: [] });
  config('providers').degradations = [];
}
doc.spec.sweep.seeds = { base: 11, replicas: seeds };
doc.spec.output = { store: `file://${dir}`, trace: { level: 'final' } };
mkdirSync(dir, { recursive: true });
const file = resolve(dir, `${doc.metadata.name}.yaml`);
writeFileSync(file, `# yaml-language-server: $schema=../runner/schemas/experiment.schema.json\n${stringify(doc)}`);

function swarmlab(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`swarmlab ${args.join(' ')} exited ${String(r.status)}`);
  return r.stdout;
}

const run = JSON.parse(swarmlab(['run', file, '--json'])) as { results: string; succeeded: number; total: number };
process.stdout.write(`${run.succeeded}/${run.total} runs; results: ${run.results}\n`);
const table = (metrics: string[]): string => {
  const out = swarmlab(['report', run.results, '--markdown', ...metrics.flatMap((m) => ['--metric', m])]);
  return out.slice(out.indexOf('\n\n') + 2);
};
process.stdout.write(`\nWhole run (30 episodes, training included):\n\n${table(['router.score', 'router.fillRate', 'router.avgCost', 'router.avgLatency'])}`);
process.stdout.write(`\nLast quarter of the episodes (the trained routing):\n\n${table(['router.tailScore', 'router.tailFillRate', 'router.tailCost', 'router.tailLatency'])}`);

const root = fileURLToPath(run.results);
const manifest = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as { runs: { run_id: string; seed: number; params: Record<string, unknown> }[] };
interface RouterSummary {
  score: number;
  tail: { score: number };
  episodes: { avgReward: number; epsilon: number; qStates: number }[];
}
const routerOf = (runId: string): RouterSummary => (JSON.parse(readFileSync(resolve(root, 'runs', runId, 'summary.json'), 'utf8')) as { results: { router: RouterSummary } }).results.router;
const bySeed = new Map<string, Map<number, RouterSummary>>();
for (const r of manifest.runs) {
  const strategy = String(r.params['router.strategy']);
  if (!bySeed.has(strategy)) bySeed.set(strategy, new Map());
  bySeed.get(strategy)!.set(r.seed, routerOf(r.run_id));
}
const cell = (xs: number[]): string => {
  const s = describeSample(xs);
  return `${(s.mean ?? 0).toFixed(4)} ± ${((s.ciHigh ?? 0) - (s.mean ?? 0)).toFixed(4)}`;
};

// The paired differences: each seed's learned run against the same seed's heuristic run.
const learned = bySeed.get('q-learning')!;
const paired = [...bySeed]
  .filter(([strategy]) => strategy !== 'q-learning')
  .map(([strategy, runs]) => {
    const seedsOf = [...learned.keys()];
    const diff = (pick: (r: RouterSummary) => number) => cell(seedsOf.map((seed) => pick(learned.get(seed)!) - pick(runs.get(seed)!)));
    const wins = seedsOf.filter((seed) => learned.get(seed)!.score > runs.get(seed)!.score).length;
    return `| ${strategy} | ${diff((r) => r.score)} | ${diff((r) => r.tail.score)} | ${wins} of ${seedsOf.length} |`;
  });
process.stdout.write(`\nLearned score less each heuristic's, seed by seed (mean ± 95% CI):\n\n| heuristic | whole run | last quarter | seeds the learned run scores higher |\n| --- | ---: | ---: | ---: |\n${paired.join('\n')}\n`);

// Reward per episode of the learned runs, across seeds.
const curves = [...learned.values()].map((r) => r.episodes);
const rows = curves[0]!.map((_, k) => `| ${k} | ${cell(curves.map((c) => c[k]!.avgReward))} | ${cell(curves.map((c) => c[k]!.epsilon))} | ${cell(curves.map((c) => c[k]!.qStates))} |`);
process.stdout.write(`\nLearned routing per episode (mean ± 95% CI, ${curves.length} seeds):\n\n| episode | average reward | epsilon | Q-table rows per agent |\n| ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n`);
