// Cluster throughput against the local executor (issue 19), on one local
// cluster with the real node and MinIO (needs root and scripts/cluster/build.sh):
//   - local: `swarmlab run <spec> --workers 2 --store s3://<bucket>/local` of
//     the mm1-queue sweep (scenarios/mm1-queue.yaml's model and horizon, 4
//     arrival rates x runs/4 seeds) against the same MinIO;
//   - cluster: the same sweep applied as an Experiment (parallelism 2, each pod
//     requesting and limited to 1 CPU: 2 CPUs of pods), operator in this
//     process, timed from apply to Complete and to ResultsReady;
// reporting runs/s, their ratio, run pods created, the operator's API requests
// (swarmlab_api_requests_total{verb,resource}), its memory
// (this process: the operator plus this small driver), the status size, and
// where the pods' time went (start-up, running, collection). Results and the
// operator's log (timestamped) go to .swarmlab/bench/.
//
// Run:
//   node --expose-gc bench/cluster-throughput.ts \
//     [--runs 10000] [--blocks default,25,100] [--local 1] [--trace complete|final] [--horizon 5000] [--rounds 1] [--final 100000]
// --blocks: one cluster measurement per block size (spec.execution.runsPerPod;
// `default` leaves it unset, the operator's rule). --local N: local runs per
// round (0: none). --rounds: local and cluster alternate this many times.
// --final N: then one cluster sweep of N runs at trace level final (default block size).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ExperimentStatus, S3Store } from 'swarmlab';
import { OperatorConfig } from '../operator/src/config.ts';
import { Controller } from '../operator/src/controller/controller.ts';
import { CRD_FILE } from '../operator/src/crd/generate.ts';
import { CountedKubeConfig } from '../operator/src/http/api-requests.ts';
import { OperatorMetrics } from '../operator/src/http/metrics.ts';
import { startCluster, type LocalCluster } from '../test/cluster/control-plane.ts';
import { ensureImage } from '../test/cluster/image.ts';
import { missingNodePrerequisites, startNode, type LocalNode } from '../test/cluster/node.ts';
import { createNodeNetwork, type NodeNetwork } from '../test/cluster/node-network.ts';
import { s3ClientFor, startObjectStore, type LocalObjectStore } from '../test/cluster/object-store.ts';
import { binaryPath, binDir, repoRoot } from '../test/cluster/versions.ts';
import { operatorRequests, total } from './operator-requests.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    blocks: { type: 'string', default: 'default' },
    local: { type: 'string', default: '1' },
    trace: { type: 'string', default: 'complete' },
    horizon: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '3600' },
    final: { type: 'string', default: '0' },
  },
});
const RATES = [0.3, 0.5, 0.7, 0.9];
const sweepSize = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n % RATES.length !== 0) throw new Error(`--${flag} must be a multiple of ${RATES.length}`);
  return n;
};
const runs = sweepSize('runs', args.runs);
const finalRuns = sweepSize('final', args.final);
const blocks = args.blocks.split(',').map((b) => (b === 'default' ? undefined : Number(b)));
const localPerRound = Number(args.local);
const rounds = Number(args.rounds);
const traceLevel = args.trace;
const horizon = Number(args.horizon);
const timeoutMs = Number(args.timeout) * 1000;
const outDir = join(repoRoot, '.swarmlab', 'bench');
const POD_CPU = '1';
const PARALLELISM = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (m: string) => process.stdout.write(`${m}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

interface Sweep {
  runs: number;
  trace: string;
  runsPerPod: number | undefined;
}

/** scenarios/mm1-queue.yaml with the sweep, trace and horizon of this measurement. */
function spec(name: string, { runs, trace, runsPerPod }: Sweep): Record<string, unknown> {
  const base = parseYaml(readFileSync(join(repoRoot, 'scenarios/mm1-queue.yaml'), 'utf8')) as { spec: { scenario: { horizon: unknown } } };
  return {
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      scenario: { ...base.spec.scenario, horizon: { time: horizon } },
      sweep: { seeds: { base: 7, replicas: runs / RATES.length }, grid: [{ param: 'arrivals.rate', values: RATES }] },
      execution: {
        retries: 0,
        parallelism: PARALLELISM,
        ...(runsPerPod === undefined ? {} : { runsPerPod }),
        resources: { requests: { cpu: POD_CPU }, limits: { cpu: POD_CPU } },
      },
      ...(trace === 'complete' ? {} : { output: { trace: { level: trace } } }),
    },
  };
}

// Everything started here is stopped in reverse order, also on a signal or a crash.
const stops: Array<{ what: string; stop: () => Promise<void> | void }> = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const s of stops.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        process.stderr.write(`while stopping ${s.what}: ${(err as Error).message}\n`);
      }
    }
  })();
  return stopping;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`${sig}: stopping everything started\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

interface Env {
  cluster: LocalCluster;
  store: LocalObjectStore;
  user: KubeConfig;
  kubectl(args: string[]): Promise<string>;
}

async function start(): Promise<Env> {
  const bins = binDir();
  const missing = missingNodePrerequisites(bins);
  if (missing.length > 0) throw new Error(`this machine lacks:\n  - ${missing.join('\n  - ')}`);
  const image = await ensureImage();
  say(`image ${image.chartRef} = ${image.ref}`);
  const network: NodeNetwork = createNodeNetwork();
  stops.push({ what: 'node network', stop: () => network.destroy() });
  const cluster = await startCluster({ binDir: bins, bindAddress: network.hostIp });
  stops.push({ what: 'control plane', stop: () => cluster.stop() });
  const store = await startObjectStore({ binDir: bins, bindAddress: network.hostIp });
  stops.push({ what: 'MinIO', stop: () => store.stop() });
  const node: LocalNode = await startNode({ dir: mkdtempSync(join(tmpdir(), 'swarmlab-node-')), binDir: bins, network, server: cluster.server, pki: cluster.pki, imageArchives: [image.archive] });
  stops.push({ what: 'node', stop: () => node.stop() });
  const user = new KubeConfig();
  user.loadFromString(cluster.kubeconfigYaml);
  const kubectl = (a: string[]) =>
    new Promise<string>((resolve, reject) => {
      const p = spawn(binaryPath('kubectl', bins), a, { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${a.join(' ')}: ${err}`))));
    });
  await kubectl(['apply', '--server-side', '-f', join(repoRoot, CRD_FILE)]);
  await kubectl(['wait', '--for=condition=Established', 'crd/experiments.swarmlab.io', '--timeout=60s']);
  return { cluster, store, user, kubectl };
}

interface LocalResult {
  kind: 'local';
  name: string;
  wallMs: number;
  manifestMs: number | undefined;
  succeeded: number;
}

/** `swarmlab run` as a user runs it, against the cluster's MinIO; polls the store for the manifest (all runs done, before the tables). */
async function runLocal(env: Env, name: string): Promise<LocalResult> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-local-'));
  stops.push({ what: `local dir ${dir}`, stop: () => rmSync(dir, { recursive: true, force: true }) });
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, toYaml(spec(name, { runs, trace: traceLevel, runsPerPod: undefined })));
  const s = env.store;
  const storeEnv = { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey, AWS_REGION: s.region, SWARMLAB_S3_ENDPOINT: s.endpoint };
  const s3 = s3ClientFor(s);
  const t0 = performance.now();
  let manifestMs: number | undefined;
  const child = spawn(process.execPath, [join(repoRoot, 'bin/swarmlab.js'), 'run', file, '--workers', String(PARALLELISM), '--store', `s3://${s.bucket}/local`, '--json'], {
    env: { ...process.env, ...storeEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stops.push({ what: `swarmlab run (pid ${child.pid})`, stop: () => void (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM')) });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  const prefix = `local/${name}/`;
  while (!done) {
    if (manifestMs === undefined) {
      try {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: s.bucket, Prefix: prefix, Delimiter: '/' }));
        const digestDir = listed.CommonPrefixes?.[0]?.Prefix;
        if (digestDir !== undefined) {
          await s3.send(new HeadObjectCommand({ Bucket: s.bucket, Key: `${digestDir}manifest.json` }));
          manifestMs = performance.now() - t0;
        }
      } catch {
        // not written yet
      }
    }
    await sleep(250);
  }
  const code = await exited;
  const wallMs = performance.now() - t0;
  s3.destroy();
  if (code !== 0) throw new Error(`swarmlab run exited ${String(code)}: ${err.slice(-2000)}`);
  const summary = JSON.parse(out) as { succeeded: number };
  return { kind: 'local', name, wallMs, manifestMs, succeeded: summary.succeeded };
}

interface ClusterResult {
  kind: 'cluster';
  name: string;
  runs: number;
  trace: string;
  runsPerPod: string;
  completeMs: number;
  resultsReadyMs: number | undefined;
  succeeded: number;
  failed: number;
  runPods: number;
  jobs: number;
  requests: Array<[string, number]>;
  requestsTotal: number;
  statusBytes: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  heapAfterGcMiB: number;
  profile: string[];
}

const ts = (s: Date | string | undefined) => (s === undefined ? undefined : new Date(s).getTime());

/** Where the pods' time went: start-up before the first pod ran, pods' running time against 2 slots, gaps between blocks, after the last pod. */
function podProfile(pods: V1Pod[], applyAt: number, completeAt: number): string[] {
  const rows = pods
    .map((p) => {
      const term = p.status?.containerStatuses?.[0]?.state?.terminated;
      const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime;
      return { created: ts(p.metadata?.creationTimestamp), scheduled: ts(scheduled), started: ts(term?.startedAt), finished: ts(term?.finishedAt) };
    })
    .filter((r): r is { created: number; scheduled: number; started: number; finished: number } => r.created !== undefined && r.scheduled !== undefined && r.started !== undefined && r.finished !== undefined)
    .sort((a, b) => a.created - b.created);
  if (rows.length === 0) return ['no finished run pods to profile'];
  const busy = rows.reduce((a, r) => a + (r.finished - r.started), 0);
  const startup = rows.reduce((a, r) => a + (r.started - r.created), 0);
  const firstCreated = Math.min(...rows.map((r) => r.created));
  const firstStarted = Math.min(...rows.map((r) => r.started));
  const lastFinished = Math.max(...rows.map((r) => r.finished));
  const wall = completeAt - applyAt;
  return [
    `apply -> first pod created ${seconds(firstCreated - applyAt)} s, -> first container started ${seconds(firstStarted - applyAt)} s (timestamps: 1 s resolution)`,
    `pods' container running time ${seconds(busy)} s in all = ${((100 * busy) / (PARALLELISM * wall)).toFixed(0)}% of ${PARALLELISM} slots x ${seconds(wall)} s apply->Complete`,
    `pod created -> container started: ${seconds(startup)} s in all, ${seconds(startup / rows.length)} s a pod (${rows.length} pods)`,
    `last container finished -> Complete ${seconds(completeAt - lastFinished)} s (the operator's collection: manifest from every run record)`,
  ];
}

async function runCluster(env: Env, name: string, sweep: Sweep): Promise<ClusterResult> {
  const namespace = name;
  const core = env.user.makeApiClient(CoreV1Api);
  const custom = env.user.makeApiClient(CustomObjectsApi);
  const s = env.store;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'store-credentials' }, stringData: { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey } } });
  for (;;) {
    try {
      await custom.listNamespacedCustomObject({ group: 'swarmlab.io', version: 'v1alpha1', namespace, plural: 'experiments' });
      break;
    } catch {
      await sleep(250);
    }
  }
  const config = OperatorConfig.parse({
    namespace,
    workers: 2,
    runnerImage: (await ensureImage()).chartRef,
    runnerPullPolicy: 'Never',
    store: `s3://${s.bucket}/cluster`,
    runnerEnvSecret: 'store-credentials',
    runnerEnv: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region },
    leaderElection: false,
    resyncSeconds: 300,
  });
  mkdirSync(outDir, { recursive: true });
  const operatorLog = join(outDir, `operator-${name}-${Date.now()}.log`);
  const metrics: OperatorMetrics = new OperatorMetrics(() => controller.counts(), { defaultMetrics: false });
  const kc = new CountedKubeConfig(metrics);
  kc.loadFromString(env.cluster.kubeconfigYaml);
  const controller: Controller = new Controller({
    kubeConfig: kc,
    config,
    metrics,
    openStore: (uri) => {
      const u = new URL(uri);
      return new S3Store({ bucket: u.hostname, prefix: u.pathname.replace(/^\/+|\/+$/g, ''), endpoint: s.endpoint, region: s.region }, { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } });
    },
    // Kept with timestamps: where the time after the last pod goes is in the operator's own lines.
    log: (m) => appendFileSync(operatorLog, `${new Date().toISOString()} ${m}\n`),
  });
  await controller.start();
  let stopped = false;
  const stopOperator = async () => {
    if (stopped) return;
    stopped = true;
    await controller.stop();
  };
  stops.push({ what: `operator for ${namespace}`, stop: stopOperator });

  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 500);
  try {
    const t0 = Date.now();
    await custom.createNamespacedCustomObject({ group: 'swarmlab.io', version: 'v1alpha1', namespace, plural: 'experiments', body: spec(name, sweep) });
    let completeMs: number | undefined;
    let resultsReadyMs: number | undefined;
    let status: ExperimentStatus | undefined;
    let lastProgress = '';
    while (resultsReadyMs === undefined) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`${name} not done after ${args.timeout} s; last status ${JSON.stringify(status)}`);
      const obj = (await custom.getNamespacedCustomObject({ group: 'swarmlab.io', version: 'v1alpha1', namespace, plural: 'experiments', name })) as { status?: unknown };
      const parsed = ExperimentStatus.safeParse(obj.status ?? {});
      if (parsed.success) {
        status = parsed.data;
        if (status.phase === 'Failed' || status.phase === 'Invalid') throw new Error(`${name} is ${status.phase}: ${JSON.stringify(status.conditions)}`);
        if (completeMs === undefined && status.phase === 'Complete') completeMs = Date.now() - t0;
        if (completeMs !== undefined && status.conditions?.some((c) => c.type === 'ResultsReady' && c.status === 'True')) resultsReadyMs = Date.now() - t0;
        if (status.conditions?.some((c) => c.type === 'ResultsReady' && c.status === 'False' && c.reason === 'ResultsJobFailed')) break;
        const p = `${status.progress ?? ''}`;
        if (p !== lastProgress && Date.now() - t0 > 0) {
          lastProgress = p;
          process.stderr.write(`  ${name} ${seconds(Date.now() - t0)} s: ${status.phase} ${p}\n`);
        }
      }
      await sleep(500);
    }
    if (completeMs === undefined || status === undefined) throw new Error(`${name}: no Complete seen`);
    const statusBytes = Buffer.byteLength(JSON.stringify(status));
    const counted = await operatorRequests(metrics);
    const requests = [...counted.entries()].sort();
    (globalThis as { gc?: () => void }).gc?.();
    const heapAfterGcMiB = process.memoryUsage().heapUsed / 2 ** 20;
    const pods = (await core.listNamespacedPod({ namespace })).items;
    const runPods = pods.filter((p) => !(p.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? '').endsWith('-results'));
    const jobs = new Set(runPods.map((p) => p.metadata?.labels?.['batch.kubernetes.io/job-name'])).size;
    return {
      kind: 'cluster',
      name,
      runs: sweep.runs,
      trace: sweep.trace,
      runsPerPod: sweep.runsPerPod === undefined ? 'default' : String(sweep.runsPerPod),
      completeMs,
      resultsReadyMs,
      succeeded: status.runs?.succeeded ?? 0,
      failed: status.runs?.failed ?? 0,
      runPods: runPods.length,
      jobs,
      requests,
      requestsTotal: total(counted),
      statusBytes,
      peakRssMiB: peakRss / 2 ** 20,
      peakHeapMiB: peakHeap / 2 ** 20,
      heapAfterGcMiB,
      profile: podProfile(runPods, t0, t0 + completeMs),
    };
  } finally {
    clearInterval(sampler);
    await stopOperator();
    // Finished pods hold no CPU; deleting the namespace in the background keeps the next measurement's node clear.
    void core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
}

function report(r: LocalResult | ClusterResult, localRate: number | undefined): void {
  if (r.kind === 'local') {
    say(`local ${r.name}: ${r.succeeded}/${runs} runs; whole command ${seconds(r.wallMs)} s = ${(runs / (r.wallMs / 1000)).toFixed(1)} runs/s; manifest written after ${r.manifestMs === undefined ? '?' : seconds(r.manifestMs)} s = ${r.manifestMs === undefined ? '?' : (runs / (r.manifestMs / 1000)).toFixed(1)} runs/s`);
    return;
  }
  const rate = r.runs / (r.completeMs / 1000);
  say(
    `cluster ${r.name} (runsPerPod ${r.runsPerPod}, trace ${r.trace}): ${r.succeeded}/${r.runs} runs (${r.failed} failed); apply->Complete ${seconds(r.completeMs)} s = ${rate.toFixed(1)} runs/s` +
      `${localRate === undefined ? '' : ` (${(rate / localRate).toFixed(2)} of local's manifest-time rate)`}; apply->ResultsReady ${r.resultsReadyMs === undefined ? '?' : seconds(r.resultsReadyMs)} s`,
  );
  say(`  run pods ${r.runPods} (runs/100 = ${r.runs / 100}) in ${r.jobs} Job(s); status ${r.statusBytes} bytes; this process (operator + driver): peak RSS ${r.peakRssMiB.toFixed(0)} MiB, peak heap ${r.peakHeapMiB.toFixed(0)} MiB, heap after gc ${r.heapAfterGcMiB.toFixed(0)} MiB`);
  say(`  operator API requests ${r.requestsTotal}: ${r.requests.map(([k, n]) => `${k} ${n}`).join('; ')}`);
  for (const line of r.profile) say(`  ${line}`);
}

let failed = false;
try {
  say(`${new Date().toISOString()} mm1-queue sweep: ${runs} runs, horizon ${horizon}, trace ${traceLevel}; blocks ${args.blocks}; local ${localPerRound} per round; ${rounds} round(s)`);
  const env = await start();
  say(`cluster, node and MinIO up at ${new Date().toISOString()}`);
  const results: Array<LocalResult | ClusterResult> = [];
  let lastLocalRate: number | undefined;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < localPerRound; i++) {
      const r = await runLocal(env, `mm1-local-${round}-${i}`);
      lastLocalRate = r.manifestMs === undefined ? undefined : runs / (r.manifestMs / 1000);
      results.push(r);
      report(r, undefined);
    }
    for (const b of blocks) {
      const r = await runCluster(env, `mm1-c${round}-b${b ?? 'default'}`, { runs, trace: traceLevel, runsPerPod: b });
      results.push(r);
      report(r, lastLocalRate);
    }
  }
  if (finalRuns > 0) {
    const r = await runCluster(env, 'mm1-final', { runs: finalRuns, trace: 'final', runsPerPod: undefined });
    results.push(r);
    report(r, undefined);
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `cluster-throughput-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ runs, horizon, traceLevel, results }, null, 2));
  say(`results in ${file}`);
} catch (err) {
  failed = true;
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
} finally {
  await stopAll();
}
process.exit(failed ? 1 : 0);
