// Local sweep speed-up: `swarmlab run --workers 1` against `--workers 2` on the
// same sweep of the M/M/1 scenario, each a fresh process writing into a fresh
// store, timed from spawn to exit: what a user waits for, start-up included.
//
// A third arm is the machine's own ceiling for two processes: the same runs
// split into two halves (half of the seeds each) given to two independent
// `swarmlab run --workers 1` processes at once. Nothing is shared or
// coordinated between them, so no executor can do better on this machine;
// what they lose against 2x is what the two cores lose to each other.
//
// The arms are measured in rounds, their order rotating, and median ratios
// are reported: on a shared VM the speed of a core drifts by tens of percent
// over minutes, and the arms of one round see the same machine.
// Run: node bench/sweep-speedup.ts [runs] [horizon] [rounds]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseExperimentText, sweepSeeds } from 'swarmlab';

const runs = Number(process.argv[2] ?? 256);
const horizon = Number(process.argv[3] ?? 5000);
const rounds = Number(process.argv[4] ?? 5);
const exp = parseExperimentText(readFileSync(new URL('../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
exp.spec.scenario.horizon = { time: horizon };
exp.spec.sweep.seeds = { base: 1, replicas: Math.ceil(runs / 4) };
const seeds = sweepSeeds(exp.spec.sweep);
const work = mkdtempSync(join(tmpdir(), 'swarmlab-bench-'));
const specFile = (name: string, seedList?: number[]): string => {
  const file = join(work, `${name}.yaml`);
  const spec = structuredClone(exp);
  if (seedList) spec.spec.sweep.seeds = { base: 1, list: seedList };
  writeFileSync(file, stringify(spec));
  return file;
};
const whole = specFile('whole');
const halves = [specFile('first-half', seeds.slice(0, seeds.length >> 1)), specFile('second-half', seeds.slice(seeds.length >> 1))];
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

let stores = 0;
/** One `swarmlab run`, resolving to its manifest digest. */
function swarmlabRun(spec: string, workers: number): Promise<string> {
  const store = join(work, `results-${stores++}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'run', spec, '--store', `file://${store}`, '--workers', String(workers), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      rmSync(store, { recursive: true, force: true });
      if (status !== 0) reject(new Error(`swarmlab run --workers ${workers} exited ${String(status)}: ${err}`));
      else resolve((JSON.parse(out) as { manifestDigest: string }).manifestDigest);
    });
  });
}

/** Wall and CPU time of some `swarmlab run` processes started together. */
async function timed(...started: (() => Promise<string>)[]): Promise<Timing> {
  const cpu0 = childCpuSeconds();
  const t0 = process.hrtime.bigint();
  const digests = await Promise.all(started.map((s) => s()));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, cpuSeconds: childCpuSeconds() - cpu0, digest: digests.join(' ') };
}

const arms = {
  one: () => timed(() => swarmlabRun(whole, 1)),
  two: () => timed(() => swarmlabRun(whole, 2)),
  halves: () => timed(() => swarmlabRun(halves[0]!, 1), () => swarmlabRun(halves[1]!, 1)),
};
type Arm = keyof typeof arms;
const order: Arm[] = ['one', 'two', 'halves'];

const round = (x: number) => Number(x.toFixed(2));
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

// One unmeasured run fills Node's compile cache, as any earlier use of the CLI would have.
await arms.one();
const measured: Record<Arm, Timing>[] = [];
for (let i = 0; i < rounds; i++) {
  const got: Partial<Record<Arm, Timing>> = {};
  for (let k = 0; k < order.length; k++) {
    const arm = order[(i + k) % order.length]!;
    got[arm] = await arms[arm]();
  }
  measured.push(got as Record<Arm, Timing>);
}
rmSync(work, { recursive: true, force: true });
const speedups = measured.map((m) => m.one.seconds / m.two.seconds);
const ceilings = measured.map((m) => m.one.seconds / m.halves.seconds);
console.log(
  JSON.stringify({
    bench: 'sweep-speedup',
    runs: seeds.length * 4,
    horizon,
    rounds,
    medianSpeedup: round(median(speedups)),
    // Two independent one-worker processes on half the runs each: the most two processes got from this machine in that round.
    medianCeiling: round(median(ceilings)),
    // The two-worker sweep's share of that ceiling, round by round.
    medianOfCeiling: round(median(measured.map((m) => m.halves.seconds / m.two.seconds))),
    speedups: speedups.map(round),
    ceilings: ceilings.map(round),
    oneWorkerSeconds: measured.map((m) => round(m.one.seconds)),
    twoWorkersSeconds: measured.map((m) => round(m.two.seconds)),
    halvesSeconds: measured.map((m) => round(m.halves.seconds)),
    // CPU seconds of each arm's processes: what two busy cores cost the same runs over one.
    cpuRatios: measured.map((m) => round(m.two.cpuSeconds / m.one.cpuSeconds)),
    halvesCpuRatios: measured.map((m) => round(m.halves.cpuSeconds / m.one.cpuSeconds)),
    sameDigest: measured.every((m) => m.one.digest === measured[0]?.one.digest && m.two.digest === m.one.digest && m.halves.digest === measured[0]?.halves.digest),
  }),
);
