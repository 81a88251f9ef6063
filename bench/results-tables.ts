// Building the results tables (finishResults: results and statistics, as
// Parquet and CSV, then the results index) for a large sweep, from stored
// runs that hold only what the tables read: summary.json and run.json, made
// through the real formats (Summary, run digest, assembleManifest) with 1% of
// the runs failed. Traces are left out: 100,000 of them do not fit the disk.
// The build runs in a fresh process, so its peak RSS is its own.
// Run: node bench/results-tables.ts <runs> [dir]
//   <runs> a multiple of 100 (100 parameter points × runs/100 seeds); the
//   stored runs are generated into [dir] (default: a temp folder, removed
//   after) unless it already holds them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDigest } from '../runner/src/outputs/digests.ts';
import { assembleManifest, formatManifest } from '../runner/src/outputs/manifest.ts';
import { Manifest, SCHEMA_VERSION, type RunRecord, type Summary } from '../runner/src/outputs/schemas.ts';
import { finishResults } from '../runner/src/results/finish.ts';
import { sha256 } from '../runner/src/spec/canonical.ts';
import { parseExperimentText, specDigest } from '../runner/src/spec/load.ts';
import { plan } from '../runner/src/spec/plan.ts';
import { FileStore } from '../runner/src/store/file-store.ts';
import { ResultsLayout } from '../runner/src/store/layout.ts';
import { tinySpec } from '../runner/src/testing/tiny-spec.ts';

const POINTS = 100;

if (process.argv[2] === '--build') await build(process.argv[3] as string);
else await main();

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 10_000);
  if (!Number.isInteger(runs) || runs <= 0 || runs % POINTS !== 0) throw new Error(`runs must be a positive multiple of ${POINTS}`);
  const given = process.argv[3];
  const dir = given ?? mkdtempSync(join(tmpdir(), 'swarmlab-bench-tables-'));
  try {
    const t0 = process.hrtime.bigint();
    if (!existsSync(join(dir, 'manifest.json'))) generate(dir, runs);
    const generateSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--build', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`the build process exited ${child.status}`);
    const result = JSON.parse(child.stdout) as Record<string, unknown>;
    console.log(JSON.stringify({ bench: 'results-tables', runs, points: POINTS, generateSeconds: Number(generateSeconds.toFixed(1)), ...result }));
  } finally {
    if (given === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** In a fresh process: read the manifest and build the tables, timed, with this process's peak RSS. */
async function build(dir: string): Promise<void> {
  const store = new FileStore(dir);
  const rssAtStart = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  const manifestSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssAfterManifest = process.memoryUsage().rss;
  const finished = await finishResults(store, new ResultsLayout(''), manifest);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = process.cpuUsage(c0);
  const mib = (bytes: number): number => Number((bytes / 2 ** 20).toFixed(1));
  console.log(
    JSON.stringify({
      seconds: Number(seconds.toFixed(2)),
      cpuSeconds: Number(((c1.user + c1.system) / 1e6).toFixed(2)),
      manifestSeconds: Number(manifestSeconds.toFixed(2)),
      runsPerSecond: Math.round(manifest.runs.length / seconds),
      peakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20),
      rssAtStartMiB: mib(rssAtStart),
      rssAfterManifestMiB: mib(rssAfterManifest),
      manifestMiB: mib(readFileSync(join(dir, 'manifest.json')).byteLength),
      columns: finished.columns,
      tablesMiB: Object.fromEntries(finished.files.map((f) => [f.name, mib(f.size)])),
    }),
  );
}

/** Stored runs as the runner stores them (summary.json and run.json only), and their manifest. */
function generate(dir: string, runs: number): void {
  const exp = parseExperimentText(
    tinySpec('bench-tables')
      .replace(/replicas: \d+/, `replicas: ${runs / POINTS}`)
      .replace(/values: \[0\.4, 0\.8\]/, `values: [${Array.from({ length: POINTS }, (_, i) => ((i + 1) / (POINTS + 1)).toFixed(4)).join(', ')}]`)
      .replace(/(\n  sweep:\n)/, '$1    maxRuns: 1000000\n'),
  );
  const points = plan(exp);
  const digest = specDigest(exp);
  const records = new Map<number, RunRecord>();
  const failures = new Map<number, { code: string; message: string }>();
  let state = 12345;
  const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
  for (const p of points) {
    if (p.index % 100 === 42) {
      failures.set(p.index, { code: 'RUN_FAILED', message: 'RUN_FAILED: synthetic failure' });
      continue;
    }
    const rate = p.params['arrivals.rate'] as number;
    const served = Math.round(rate * 5000 * (0.95 + 0.1 * random()));
    const summary: Summary = {
      schema_version: SCHEMA_VERSION,
      experiment: { name: exp.metadata.name, spec_digest: digest },
      run: { id: p.runId, index: p.index, seed: p.seed },
      params: { ...p.params },
      modules: [
        { kind: 'agent', module: 'poisson-source', name: 'arrivals', version: '1.0.0' },
        { kind: 'agent', module: 'service-queue', name: 'server', version: '1.0.0' },
      ],
      runner: { version: '0.1.0' },
      engine: { events: served * 3, end_time: 4990 + 10 * random(), end_reason: 'horizon-time' },
      final_metrics: {
        'arrivals.sent': served,
        'arrivals.turnedAway': Math.round(10 * random()),
        'server.busy': random() < 0.5 ? 1 : 0,
        'server.inSystem': Math.round(5 * random()),
        'server.queueLength': Math.round(4 * random()),
        'server.served': served - 1,
        'server.utilisation': rate * (0.9 + 0.2 * random()),
        'server.meanSojourn': 1 / (1 - Math.min(rate, 0.99)) * (0.9 + 0.2 * random()),
      },
      results: {
        arrivals: { sent: served, byKind: { normal: served - 3, priority: 3 }, burstiness: random() },
        server: {
          served: served - 1,
          measured: served - 30,
          meanSojourn: 1 / (1 - Math.min(rate, 0.99)),
          meanWait: rate / (1 - Math.min(rate, 0.99)),
          percentiles: { p50: random(), p90: 2 + random(), p99: 5 + random() },
          warm: true,
          mode: 'fifo',
          waits: Array.from({ length: 50 }, () => random()),
        },
      },
      files: [],
    };
    const bytes = `${JSON.stringify(summary, null, 2)}\n`;
    const runDir = join(dir, 'runs', p.runId);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'summary.json'), bytes);
    const fields = { schema_version: SCHEMA_VERSION, run_id: p.runId, index: p.index, seed: p.seed, params: { ...p.params }, files: [{ name: 'summary.json', size: Buffer.byteLength(bytes), sha256: sha256(bytes) }] };
    const record: RunRecord = { ...fields, digest: runDigest(fields) };
    writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
    records.set(p.index, record);
  }
  writeFileSync(join(dir, 'manifest.json'), formatManifest(assembleManifest(exp, points, records, failures, new Map())));
}
