// Operator fan-out on the local control plane (needs scripts/cluster/build.sh):
// A) one 10,000-run Experiment: API objects and requests the operator makes,
//    and the time from apply to all work created;
// B) operator heap with 1,000 Experiments known to it.
// Run: node --expose-gc bench/operator-fanout.ts [runs] [experiments]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { ExperimentStatus } from 'swarmlab';
import { OperatorConfig } from '../operator/src/config.ts';
import { Controller } from '../operator/src/controller/controller.ts';
import { CRD_FILE } from '../operator/src/crd/generate.ts';
import { CountedKubeConfig } from '../operator/src/http/api-requests.ts';
import { OperatorMetrics } from '../operator/src/http/metrics.ts';
import { startCluster } from '../test/cluster/control-plane.ts';
import { binaryPath, repoRoot } from '../test/cluster/versions.ts';
import { operatorRequests, total } from './operator-requests.ts';

const runs = Number(process.argv[2] ?? 10_000);
const experiments = Number(process.argv[3] ?? 1_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const heapMiB = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

function experiment(name: string, replicas: number, points: number, suspend: boolean) {
  return {
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      scenario: {
        modules: [
          { kind: 'network', module: 'explicit', name: 'topology', config: { nodes: ['source', 'server'], edges: [{ from: 'source', to: 'server', weight: 0.25 }] } },
          { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.5, target: 'server', network: 'topology' } },
          { kind: 'agent', module: 'service-queue', name: 'server', config: { servers: 1, serviceRate: 1.0 } },
        ],
        horizon: { time: 100 },
      },
      sweep: {
        seeds: { base: 1, replicas },
        grid: points > 1 ? [{ param: 'arrivals.rate', values: Array.from({ length: points }, (_, i) => 0.1 + (0.8 * i) / points) }] : [],
      },
      execution: { parallelism: 10, suspend },
    },
  };
}

const cluster = await startCluster({ verbose: false });
const storeDir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-store-'));
let controller: Controller | undefined;
try {
  const kubectl = (args: string[]) => execFileSync(binaryPath('kubectl'), args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath }, encoding: 'utf8' });
  kubectl(['apply', '--server-side', '-f', join(repoRoot, CRD_FILE)]);
  kubectl(['wait', '--for=condition=Established', 'crd/experiments.swarmlab.io', '--timeout=60s']);
  kubectl(['create', 'namespace', 'bench']);
  await sleep(1000);

  const config = OperatorConfig.parse({ namespace: 'bench', store: `file://${storeDir}`, leaderElection: false, workers: 4, resyncSeconds: 3600 });
  const metrics: OperatorMetrics = new OperatorMetrics(() => c.counts(), { defaultMetrics: false });
  const kc = new CountedKubeConfig(metrics);
  kc.loadFromString(cluster.kubeconfigYaml);
  const c: Controller = new Controller({ kubeConfig: kc, config, metrics, log: () => undefined });
  controller = c;
  await c.start();
  const heap0 = heapMiB();

  const user = new KubeConfig();
  user.loadFromString(cluster.kubeconfigYaml);
  const custom = user.makeApiClient(CustomObjectsApi);
  const create = (body: unknown) => custom.createNamespacedCustomObject({ group: 'swarmlab.io', version: 'v1alpha1', namespace: 'bench', plural: 'experiments', body });

  // A) one big Experiment.
  const replicas = 4;
  const beforeByKey = await operatorRequests(metrics);
  const before = total(beforeByKey);
  const t0 = performance.now();
  await create(experiment('big', replicas, Math.ceil(runs / replicas), false));
  let tJob = 0;
  let tStatus = 0;
  for (;;) {
    if (tJob === 0 && c.jobs.list('bench').length > 0) tJob = performance.now() - t0;
    const s = ExperimentStatus.safeParse(c.experiments.get('big', 'bench')?.status ?? {});
    if (s.success && s.data.phase === 'Running' && s.data.jobGeneration === 0 && tJob > 0) {
      tStatus = performance.now() - t0;
      break;
    }
    await sleep(5);
  }
  await sleep(3000);
  const after = await operatorRequests(metrics);
  const big = [...after.entries()].map(([k, n]): [string, number] => [k, n - (beforeByKey.get(k) ?? 0)]).filter(([, n]) => n > 0).sort();
  console.log(`A) ${runs}-run Experiment: Job created ${tJob.toFixed(0)} ms after apply, status Running after ${tStatus.toFixed(0)} ms`);
  console.log(`   objects created by the operator: 1 ConfigMap, 1 Job (+ Events); API requests: ${total(after) - before}`);
  for (const [k, n] of big) console.log(`     ${k}: ${n}`);

  // B) many Experiments (suspended: no pods, the operator still creates a ConfigMap and a Job for each).
  const tB = performance.now();
  for (let i = 0; i < experiments; i++) await create(experiment(`e${i}`, 1, 1, true));
  for (;;) {
    const n = c.listViews('bench').filter((v) => (v.status as { phase?: string } | undefined)?.phase === 'Suspended').length;
    if (n >= experiments) break;
    await sleep(250);
  }
  await sleep(2000);
  console.log(`B) ${experiments} Experiments all Suspended after ${((performance.now() - tB) / 1000).toFixed(1)} s; operator heap ${heap0.toFixed(1)} MiB before, ${heapMiB().toFixed(1)} MiB after (gc ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'forced' : 'not forced: run with --expose-gc'}); RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (includes this bench)`);
} finally {
  await controller?.stop();
  await cluster.stop();
  rmSync(storeDir, { recursive: true, force: true });
}
