// Local sweep speed-up: the same sweep of the M/M/1 scenario with 1 worker and
// with 2, each into a fresh store, through runLocal (what `swarmlab run` uses).
// The two are measured in alternating pairs and the median pair ratio is
// reported: on a shared VM the speed of a core drifts by tens of percent over
// minutes, and a pair measured back to back sees the same machine.
// Run: node bench/sweep-speedup.ts [runs] [horizon] [pairs]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry } from '../runner/src/modules/builtin.ts';
import { runLocal } from '../runner/src/run/local-executor.ts';
import { parseExperimentText } from '../runner/src/spec/load.ts';
import { FileStore } from '../runner/src/store/file-store.ts';

const runs = Number(process.argv[2] ?? 128);
const horizon = Number(process.argv[3] ?? 2000);
const pairs = Number(process.argv[4] ?? 5);
const exp = parseExperimentText(readFileSync(new URL('../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
exp.spec.scenario.horizon = { time: horizon };
exp.spec.sweep.seeds = { base: 1, replicas: Math.ceil(runs / 4) };

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly digest: string;
}

async function timed(workers: number): Promise<Timing> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-'));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await runLocal(exp, { store: new FileStore(dir), registry: builtinRegistry, workers });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  rmSync(dir, { recursive: true, force: true });
  if (r.failed > 0) throw new Error(`${r.failed} runs failed`);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, digest: r.manifest.digest };
}

const round = (x: number) => Number(x.toFixed(2));
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

const measured: { one: Timing; two: Timing; speedup: number }[] = [];
for (let i = 0; i < pairs; i++) {
  const one = await timed(1);
  const two = await timed(2);
  measured.push({ one, two, speedup: one.seconds / two.seconds });
}
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
    // CPU seconds of the whole process: above the wall time, GC and I/O threads were busy on the other core.
    oneWorkerCpuSeconds: measured.map((m) => round(m.one.cpuSeconds)),
    twoWorkersCpuSeconds: measured.map((m) => round(m.two.cpuSeconds)),
    sameDigest: measured.every((m) => m.one.digest === measured[0]?.one.digest && m.two.digest === m.one.digest),
  }),
);
