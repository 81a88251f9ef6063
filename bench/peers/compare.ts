// swarmlab against its peers, side by side on this machine: the whole
// `swarmlab run` command (start-up, every run executed, its files validated
// and promoted, the results tables and report written) against the same
// model in SimPy (mm1) or the same sweep in Mesa (cascade).
//
// The arms alternate within each round (the first arm of a round swaps from
// round to round) and each round gives a ratio, peer time over swarmlab
// time: above 1, swarmlab is faster. On a shared VM the speed of a core
// drifts by tens of percent over minutes, so only these paired ratios count;
// the median and spread of the rounds are printed, with the load average.
//
// mm1: one run of scenarios/mm1-queue.yaml's model (arrival rate 0.5) at
//   --horizon (default 100000, about 1.5 events per time unit), one worker,
//   against SimPy's own time for env.run (no start-up, no logging) and the
//   SimPy process's wall time.
// cascade: bench/peers/cascade.yaml (--runs per mean degree, default 100: 300
//   runs), two workers, against cascade_mesa.py with a pool of two processes,
//   both timed as whole processes.
// --trace sets the swarmlab spec's trace level: complete, final, sampled:EVERY
//   (time units) or sampled:EVERY:events; --format its format, parquet (the
//   default) or text.
//
// Run: node bench/peers/compare.ts mm1|cascade [--rounds N] [--horizon H] [--runs R] [--trace LEVEL] [--format parquet|text]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseExperiment, parseExperimentText, type Experiment } from 'swarmlab';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    horizon: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '100' },
    trace: { type: 'string' },
    format: { type: 'string' },
  },
});
const which = positionals[0];
if (which !== 'mm1' && which !== 'cascade') {
  process.stderr.write('usage: node bench/peers/compare.ts mm1|cascade [--rounds N] [--horizon H] [--runs R] [--trace LEVEL] [--format parquet|text]\n');
  process.exit(2);
}
const rounds = Number(values.rounds);
const horizon = Number(values.horizon);
const runsPerPoint = Number(values.runs);

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../../bin/swarmlab.js');
const python = spawnSync('bash', [here('../../scripts/ensure-pypi-tool.sh'), 'peers'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout.trim();
const work = mkdtempSync(join(tmpdir(), 'swarmlab-peers-'));

/** The swarmlab experiment of this comparison, written to a file. */
function swarmlabSpec(): { file: string; workers: number } {
  let exp: Experiment;
  if (which === 'mm1') {
    exp = parseExperimentText(readFileSync(here('../../scenarios/mm1-queue.yaml'), 'utf8'));
    exp.spec.scenario.horizon = { time: horizon };
    exp.spec.sweep = { ...exp.spec.sweep, seeds: { base: 7, replicas: 1 }, grid: [{ param: 'arrivals.rate', values: [0.5] }] };
  } else {
    exp = parseExperimentText(readFileSync(here('cascade.yaml'), 'utf8'));
    exp.spec.sweep.seeds = { base: 2002, replicas: runsPerPoint };
  }
  if (values.trace !== undefined || values.format !== undefined) {
    const [level, every, unit] = (values.trace ?? 'complete').split(':');
    const trace = { level, ...(every ? { every: Number(every) } : {}), ...(unit ? { unit } : {}), ...(values.format ? { format: values.format } : {}) };
    exp.spec.output = { ...exp.spec.output, trace: parseExperiment({ ...exp, spec: { ...exp.spec, output: { trace } } }).spec.output.trace };
  }
  const file = join(work, 'experiment.yaml');
  writeFileSync(file, stringify(exp));
  return { file, workers: which === 'mm1' ? 1 : 2 };
}

interface Timing {
  /** Spawn to exit. */
  readonly wall: number;
  /** User + system CPU of the process and its children. */
  readonly cpu: number;
  /** Largest resident set of the process or one of its children, MiB. */
  readonly peakRssMiB: number;
  readonly stdout: string;
}

/** Runs a command to completion under GNU time, which reports its rusage. */
function timed(cmd: string, args: readonly string[]): Timing {
  const report = join(work, 'time.txt');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-o', report, '-f', '%U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}`);
  const [user, sys, rssKiB] = (readFileSync(report, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { wall, cpu: (user ?? 0) + (sys ?? 0), peakRssMiB: Math.round((rssKiB ?? 0) / 1024), stdout: r.stdout };
}

const spec = swarmlabSpec();
let storeCount = 0;
function swarmlabArm(): Timing & { summary: string } {
  const store = join(work, `results-${storeCount++}`);
  const t = timed(process.execPath, [cli, 'run', spec.file, '--store', `file://${store}`, '--workers', String(spec.workers), '--json']);
  const out = JSON.parse(t.stdout) as { failed: number; manifestDigest: string; results: string };
  if (out.failed > 0) throw new Error(`swarmlab run: ${out.failed} runs failed`);
  const summary = modelSummary(fileURLToPath(out.results));
  rmSync(store, { recursive: true, force: true });
  return { ...t, summary: `${summary} manifest ${out.manifestDigest.slice(0, 12)}` };
}

/** What the model computed, from the results table, to print beside the peer's. */
function modelSummary(results: string): string {
  const [header, ...rows] = readFileSync(join(results, 'results.csv'), 'utf8').trim().split('\n');
  const cols = (header ?? '').split(',');
  const col = (name: string) => cols.indexOf(name);
  if (which === 'mm1') {
    const c = col('summary.server.meanSojourn');
    return `meanSojourn ${Number(rows[0]?.split(',')[c]).toFixed(4)}`;
  }
  const [p, size] = [col('param.influence.p'), col('metric.cascade.yes')];
  const byP = new Map<string, number[]>();
  for (const r of rows) {
    const f = r.split(',');
    const list = byP.get(f[p] as string) ?? [];
    list.push(Number(f[size]));
    byP.set(f[p] as string, list);
  }
  return [...byP].map(([k, v]) => `z=${(Number(k) * 999).toFixed(1)}: mean size ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)}`).join(', ');
}

interface PeerTiming extends Timing {
  /** The peer's own time for the simulation, as it reports it. */
  readonly own: number;
  readonly summary: string;
}
function peerArm(): PeerTiming {
  if (which === 'mm1') {
    const t = timed(python, [here('mm1_simpy.py'), '--horizon', String(horizon), '--rate', '0.5']);
    const out = JSON.parse(t.stdout) as { seconds: number; meanSojourn: number };
    return { ...t, own: out.seconds, summary: `meanSojourn ${out.meanSojourn.toFixed(4)}` };
  }
  const t = timed(python, [here('cascade_mesa.py'), '--runs', String(runsPerPoint), '--processes', '2']);
  const out = JSON.parse(t.stdout) as { seconds: number; sizes: Record<string, number[]> };
  const summary = Object.entries(out.sizes)
    .map(([z, v]) => `z=${Number(z).toFixed(1)}: mean size ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)}`)
    .join(', ');
  return { ...t, own: out.seconds, summary };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const spread = (xs: number[]) => `median ${median(xs).toFixed(2)} (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;

const peerName = which === 'mm1' ? 'SimPy' : 'Mesa';
const load0 = loadavg();
process.stdout.write(`${which}: ${rounds} rounds, ${which === 'mm1' ? `horizon ${horizon}` : `${runsPerPoint * 3} runs`}, trace ${values.trace ?? 'spec default'}${values.format ? ` ${values.format}` : ''}; load average ${load0.map((l) => l.toFixed(2)).join(' ')}\n`);
const ownRatios: number[] = [];
const wallRatios: number[] = [];
const cpuRatios: number[] = [];
const rss: number[] = [];
for (let i = 0; i < rounds; i++) {
  let s: ReturnType<typeof swarmlabArm>;
  let p: PeerTiming;
  if (i % 2 === 0) {
    s = swarmlabArm();
    p = peerArm();
  } else {
    p = peerArm();
    s = swarmlabArm();
  }
  ownRatios.push(p.own / s.wall);
  wallRatios.push(p.wall / s.wall);
  cpuRatios.push(p.cpu / s.cpu);
  rss.push(s.peakRssMiB);
  process.stdout.write(
    `round ${i + 1}: swarmlab ${s.wall.toFixed(2)} s wall, ${s.cpu.toFixed(2)} s CPU, ${s.peakRssMiB} MiB; ${peerName} ${p.own.toFixed(2)} s own, ${p.wall.toFixed(2)} s wall, ${p.cpu.toFixed(2)} s CPU; ` +
      `ratios ${(p.own / s.wall).toFixed(2)} / ${(p.wall / s.wall).toFixed(2)} / ${(p.cpu / s.cpu).toFixed(2)}\n` +
      `  swarmlab ${s.summary}\n  ${peerName} ${p.summary}\n`,
  );
}
const load1 = loadavg();
process.stdout.write(
  `${peerName}'s own time / swarmlab run's wall: ${spread(ownRatios)}\n` +
    `${peerName}'s process wall / swarmlab run's wall: ${spread(wallRatios)}\n` +
    `${peerName}'s CPU / swarmlab run's CPU: ${spread(cpuRatios)}\n` +
    `swarmlab run's peak RSS: ${Math.min(...rss)}-${Math.max(...rss)} MiB; load average at the end ${load1.map((l) => l.toFixed(2)).join(' ')}\n`,
);
rmSync(work, { recursive: true, force: true });
