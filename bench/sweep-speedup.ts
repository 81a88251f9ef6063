// Local sweep speed-up: the same 128-run sweep with 1 worker and with 2,
// each into a fresh store, through runLocal (what `swarmlab run` uses).
// Run: node bench/sweep-speedup.ts [runs] [horizon]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry } from '../runner/src/modules/builtin.ts';
import { runLocal } from '../runner/src/run/local-executor.ts';
import { parseExperimentText } from '../runner/src/spec/load.ts';
import { FileStore } from '../runner/src/store/file-store.ts';

const runs = Number(process.argv[2] ?? 128);
const horizon = Number(process.argv[3] ?? 2000);
const exp = parseExperimentText(readFileSync(new URL('../scenarios/mm1-queue.yaml', import.meta.url), 'utf8'));
exp.spec.scenario.horizon = { time: horizon };
exp.spec.sweep.seeds = { base: 1, replicas: runs / 4 };

async function timed(workers: number): Promise<{ seconds: number; digest: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-'));
  const t0 = process.hrtime.bigint();
  const r = await runLocal(exp, { store: new FileStore(dir), registry: builtinRegistry, workers });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  if (r.failed > 0) throw new Error(`${r.failed} runs failed`);
  return { seconds, digest: r.manifest.digest };
}

const one = await timed(1);
const two = await timed(2);
console.log(
  JSON.stringify({
    bench: 'sweep-speedup',
    runs,
    horizon,
    oneWorkerSeconds: Number(one.seconds.toFixed(2)),
    twoWorkersSeconds: Number(two.seconds.toFixed(2)),
    speedup: Number((one.seconds / two.seconds).toFixed(2)),
    sameDigest: one.digest === two.digest,
  }),
);
