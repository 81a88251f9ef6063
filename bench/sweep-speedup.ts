// Local sweep speed-up: `swarmlab run --workers 1` against `--workers 2` on the
// same sweep of the M/M/1 scenario, each a fresh process writing into a fresh
// store, timed from spawn to exit: what a user waits for, start-up included.
// The two are measured in alternating pairs and the median pair ratio is
// reported: on a shared VM the speed of a core drifts by tens of percent over
// minutes, and a pair measured back to back sees the same machine.
// Run: node bench/sweep-speedup.ts [runs] [horizon] [pairs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseExperimentText } from '../runner/src/spec/load.ts';

const runs = Number(process.argv[2] ?? 256);
const horizon = Number(process.argv[3] ?? 5000);
const pairs = Number(process.argv[4] ?? 5);
const exp = parseExperimentText(readFileSync(new URL('../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
exp.spec.scenario.horizon = { time: horizon };
exp.spec.sweep.seeds = { base: 1, replicas: Math.ceil(runs / 4) };
const work = mkdtempSync(join(tmpdir(), 'swarmlab-bench-'));
const specFile = join(work, 'experiment.yaml');
writeFileSync(specFile, stringify(exp));
const cli = fileURLToPath(new URL('../bin/swarmlab.js', import.meta.url));

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly digest: string;
}

/** CPU seconds of the finished children of this process, theirs included: /proc/self/stat cutime + cstime (Linux). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // Fields 16 and 17, in clock ticks (100 per second on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function timed(workers: number): Timing {
  const store = join(work, `results-${workers}`);
  const cpu0 = childCpuSeconds();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'run', specFile, '--store', `file://${store}`, '--workers', String(workers), '--json'], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuSeconds = childCpuSeconds() - cpu0;
  rmSync(store, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`swarmlab run --workers ${workers} exited ${String(r.status)}: ${r.stderr}`);
  const summary = JSON.parse(r.stdout) as { manifestDigest: string };
  return { seconds, cpuSeconds, digest: summary.manifestDigest };
}

const round = (x: number) => Number(x.toFixed(2));
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

// One unmeasured run fills Node's compile cache, as any earlier use of the CLI would have.
timed(1);
const measured: { one: Timing; two: Timing; speedup: number }[] = [];
for (let i = 0; i < pairs; i++) {
  const one = timed(1);
  const two = timed(2);
  measured.push({ one, two, speedup: one.seconds / two.seconds });
}
rmSync(work, { recursive: true, force: true });
console.log(
  JSON.stringify({
    bench: 'sweep-speedup',
    runs: Math.ceil(runs / 4) * 4,
    horizon,
    pairs,
    medianSpeedup: round(median(measured.map((m) => m.speedup))),
    speedups: measured.map((m) => round(m.speedup)),
    oneWorkerSeconds: measured.map((m) => round(m.one.seconds)),
    twoWorkersSeconds: measured.map((m) => round(m.two.seconds)),
    // CPU seconds of each `swarmlab run` and its worker processes: above the wall time, work ran on both cores.
    oneWorkerCpuSeconds: measured.map((m) => round(m.one.cpuSeconds)),
    twoWorkersCpuSeconds: measured.map((m) => round(m.two.cpuSeconds)),
    // What decides a pair: how much more CPU the same runs took on two busy cores than on one.
    cpuRatios: measured.map((m) => round(m.two.cpuSeconds / m.one.cpuSeconds)),
    sameDigest: measured.every((m) => m.one.digest === measured[0]?.one.digest && m.two.digest === m.one.digest),
  }),
);
