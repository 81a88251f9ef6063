// The operator as the chart deploys it, a pod on the local node, SIGKILLed
// from the host at 20 points of one fan-out: right after the spec ConfigMap,
// right after the run Job, at 15 stages of collection, once the Job has run
// everything, once the manifest is written and once the results Job exists.
// Each time its pod is replaced by a fresh one (the Deployment's). The sweep
// still ends Complete with every run counted once, one run Job and one
// results Job, and the manifest digest of `swarmlab run` on the same spec.
// Then a runner pod deleted mid-block: its index is redone by a new pod,
// which keeps the runs the first one promoted and runs only the rest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentLayout, runIdOf, type ExperimentStatus } from 'swarmlab';
import { killContainer } from '../cluster/container-process.ts';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { swarmlab } from '../cluster/local-cli.ts';
import { experimentStatus, queueExperiment, STORE_SECRET, testStoreOpener, waitForPhase } from '../cluster/operator-fixture.ts';
import { chartDir, helm, type RunResult } from '../unit/helm-render.ts';

const cluster = useCluster('operator-sigkill');
const NAME = 'killed-sweep';
// 4 points x 250 seeds, in pods of 40 runs: 25 Job indexes, 4 at a time, about
// as many pods as one run a pod gave 96 runs. Final values only: the runs'
// files are not what this test is about, and the reference `swarmlab run`
// of 1,000 runs then takes seconds of CPU.
const RATES = [0.3, 0.45, 0.6, 0.75];
const SEEDS = 250;
const TOTAL = RATES.length * SEEDS;
const RUNS_PER_POD = 40;
const finalValues = <T extends { spec: object }>(e: T): T => ({ ...e, spec: { ...e.spec, output: { trace: { level: 'final' } } } });
const experiment = finalValues(queueExperiment(NAME, { replicas: SEEDS, grid: [{ param: 'arrivals.rate', values: RATES }], execution: { parallelism: 4, runsPerPod: RUNS_PER_POD } }));

let work = '';
let release = '';
const h = (args: string[]): RunResult =>
  helm(args, { KUBECONFIG: cluster.connection.kubeconfigPath, HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_DATA_HOME: join(work, 'helm-data') });

interface Seen {
  status: ExperimentStatus | undefined;
  configMaps: number;
  runJobs: V1Job[];
  resultsJobs: V1Job[];
}

async function observe(): Promise<Seen> {
  const ns = cluster.namespace;
  const sel = `swarmlab.io/experiment=${NAME}`;
  const [cms, runJobs, resultsJobs] = await Promise.all([
    cluster.core.listNamespacedConfigMap({ namespace: ns, labelSelector: sel }),
    cluster.batch.listNamespacedJob({ namespace: ns, labelSelector: `${sel},swarmlab.io/job-generation` }),
    cluster.batch.listNamespacedJob({ namespace: ns, labelSelector: `${sel},!swarmlab.io/job-generation` }),
  ]);
  const status = await experimentStatus(cluster, NAME).catch(() => undefined);
  return { status, configMaps: cms.items.length, runJobs: runJobs.items, resultsJobs: resultsJobs.items };
}

interface KillPoint {
  what: string;
  reached(s: Seen): boolean;
}

const succeeded = (s: Seen): number => s.status?.runs?.succeeded ?? 0;
const KILL_POINTS: KillPoint[] = [
  { what: 'the spec ConfigMap exists', reached: (s) => s.configMaps > 0 },
  { what: 'the run Job exists', reached: (s) => s.runJobs.length > 0 },
  ...Array.from({ length: 15 }, (_, i): KillPoint => {
    const k = Math.ceil((TOTAL * (i + 1)) / 17);
    return { what: `the operator has counted ${k} of ${TOTAL} runs`, reached: (s) => succeeded(s) >= k };
  }),
  { what: 'the run Job has run every index', reached: (s) => s.runJobs.length > 0 && s.runJobs.every((j) => (j.status?.succeeded ?? 0) === j.spec?.completions) },
  { what: 'the manifest is written (Complete)', reached: (s) => s.status?.phase === 'Complete' },
  { what: 'the results Job exists', reached: (s) => s.resultsJobs.length > 0 },
];

/** The one operator pod that is running, ready and not being deleted, with its container ID. */
async function liveOperator(): Promise<{ pod: V1Pod; containerId: string }> {
  return waitFor('a ready operator pod', async () => {
    const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator` });
    for (const pod of pods.items) {
      if (pod.metadata?.deletionTimestamp !== undefined) continue;
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const c = pod.status?.containerStatuses?.[0];
      if (ready && c?.state?.running !== undefined && c.containerID !== undefined) return { pod, containerId: c.containerID };
    }
    return undefined;
  }, { timeoutMs: 180_000, intervalMs: 250 });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-sigkill-'));
  release = `k-${cluster.namespace.split('-').at(-1) ?? 'x'}`;
  const s = cluster.connection.objectStore;
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: { metadata: { name: STORE_SECRET }, stringData: { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey } },
  });
  const [repository, tag] = cluster.connection.image.ref.split(/:(?=[^:]+$)/) as [string, string];
  const values = {
    runner: { image: { pullPolicy: 'Never' }, env: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region }, envSecret: STORE_SECRET },
    // One replica, no lease to wait out after each kill: the replacement pod takes over at once.
    operator: {
      replicas: 1,
      leaderElection: { enabled: false },
      image: { repository, tag, pullPolicy: 'Never' },
      env: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region },
      envSecret: STORE_SECRET,
    },
    store: { uri: `s3://${s.bucket}/${cluster.namespace}` },
  };
  writeFileSync(join(work, 'values.yaml'), stringify(values));
  const r = h(['install', release, chartDir, '-n', cluster.namespace, '--values', join(work, 'values.yaml'), '--take-ownership', '--timeout', '60s']);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  if (release !== '') h(['uninstall', release, '-n', cluster.namespace, '--ignore-not-found']);
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the operator pod SIGKILLed during a fan-out on the local node', () => {
  it(`killed at ${KILL_POINTS.length} points of a ${TOTAL}-run sweep, it still completes it once, with the digest of swarmlab run`, { timeout: 1_500_000 }, async () => {
    const file = join(work, 'experiment.yaml');
    writeFileSync(file, stringify(experiment));
    // The reference runs beside the fan-out: its 1,000 runs would otherwise add their time to the test's.
    const reference = swarmlab(['run', file, '--workers', '2', '--store', `file://${join(work, 'local')}`, '--json'], {});

    await liveOperator();
    const applied = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);

    const killed: string[] = [];
    for (const point of KILL_POINTS) {
      // A fresh operator each time, ready (informers synced) before it is killed again.
      const { pod, containerId } = await liveOperator();
      const at = await waitFor(point.what, async () => {
        const s = await observe();
        return point.reached(s) ? s : undefined;
      }, { timeoutMs: 400_000, intervalMs: 100 });
      expect(killContainer(containerId), `processes of ${pod.metadata?.name}`).toBeGreaterThan(0);
      killed.push(`${point.what} (phase ${at.status?.phase ?? '-'}, ${succeeded(at)}/${TOTAL} counted, ${at.runJobs.length} run Job(s), ${at.resultsJobs.length} results Job(s))`);
      // The Deployment replaces the pod; the kubelet would restart the container in place with a growing back-off.
      await cluster.core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: cluster.namespace, gracePeriodSeconds: 0 });
    }
    expect(killed).toHaveLength(20);

    await liveOperator();
    const done = await waitFor('Complete with the results tables', async () => {
      const s = await observe();
      return s.status?.phase === 'Complete' && s.status.conditions?.find((c) => c.type === 'ResultsReady')?.status === 'True' ? s : undefined;
    }, { timeoutMs: 400_000, intervalMs: 500 }).catch((e: unknown) => {
      throw new Error(`${String(e)}\nkills:\n  ${killed.join('\n  ')}`);
    });
    expect(done.status?.runs, killed.join('\n')).toEqual({ total: TOTAL, pending: 0, running: 0, succeeded: TOTAL, failed: 0 });
    expect(done.status?.succeededIndexes).toBe(`0-${TOTAL - 1}`);
    const local = await reference;
    expect(local.code, local.stderr).toBe(0);
    expect(done.status?.manifestDigest).toBe((JSON.parse(local.stdout) as { manifestDigest: string }).manifestDigest);
    // No duplicate: one run Job (generation 0) and one results Job, whatever the operator saw when it died.
    expect(done.runJobs.map((j) => j.metadata?.labels?.['swarmlab.io/job-generation'])).toEqual(['0']);
    expect(done.resultsJobs).toHaveLength(1);
    expect(done.runJobs[0]?.status?.succeeded).toBe(TOTAL / RUNS_PER_POD);
  });

  it('a runner pod deleted mid-block: it finishes its runs in flight and exits INTERRUPTED, which uses no retry; its index is redone, the runs it promoted are kept as it wrote them, the rest complete', { timeout: 300_000 }, async () => {
    const name = 'cut-block';
    const BLOCK = 12;
    // One index of 12 runs of a few tenths of a second each: seconds in all, time to delete its pod between two runs.
    // Deleted as kubectl deletes it, with the pod's grace period (30 s), the runner finishes its runs in flight after
    // SIGTERM and exits INTERRUPTED, which the Job's pod failure policy ignores: no retry is needed. (Deleted with
    // grace 0, the kubelet's 2 s minimum may end those runs with a SIGKILL under load, exit 137, which this product
    // reads as an OOM kill and does not retry: runner/src/errors.ts.)
    const exp = finalValues(queueExperiment(name, { replicas: BLOCK, grid: [{ param: 'arrivals.rate', values: [0.5] }], execution: { parallelism: 1, runsPerPod: BLOCK, retries: 0 } }));
    exp.spec.scenario.horizon.time = 1_000_000;
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, stringify(exp));
    await liveOperator();
    const applied = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);

    const s = cluster.connection.objectStore;
    const store = testStoreOpener(cluster.connection)(`s3://${s.bucket}/${cluster.namespace}`);
    const specDigest = await waitFor('the spec digest in the status', async () => (await experimentStatus(cluster, name).catch(() => undefined))?.specDigest);
    const layout = new ExperimentLayout(name, specDigest);
    const provenanceKeys = async (): Promise<string[]> => {
      const keys = Array.from({ length: BLOCK }, (_, i) => layout.provenance(runIdOf(i, BLOCK)));
      const present = await Promise.all(keys.map(async (k) => ((await store.stat(k)) !== undefined ? k : undefined)));
      return present.filter((k) => k !== undefined);
    };
    const podsOfIndex = async (): Promise<V1Pod[]> =>
      (await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},batch.kubernetes.io/job-completion-index=0` })).items;

    // The first pod, caught once it has promoted some of its runs but not most.
    const cut = await waitFor('the block pod between two runs', async () => {
      const running = (await podsOfIndex()).find((p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
      if (running === undefined) return undefined;
      const keys = await provenanceKeys();
      return keys.length >= 2 && keys.length <= BLOCK / 2 ? { pod: running, keys } : undefined;
    }, { timeoutMs: 180_000, intervalMs: 100 });
    const first = cut.pod.metadata?.name ?? '';
    await cluster.core.deleteNamespacedPod({ name: first, namespace: cluster.namespace });
    const before = new Map<string, string>();
    for (const key of cut.keys) before.set(key, (await store.get(key))?.toString('utf8') ?? '');

    const done = await waitForPhase(cluster, name, 'Complete', 200_000);
    expect(done.runs).toEqual({ total: BLOCK, pending: 0, running: 0, succeeded: BLOCK, failed: 0 });
    const local = await swarmlab(['run', file, '--store', `file://${join(work, 'cut-local')}`, '--json'], {});
    expect(local.code, local.stderr).toBe(0);
    expect(done.manifestDigest).toBe((JSON.parse(local.stdout) as { manifestDigest: string }).manifestDigest);

    // The runs promoted before the cut: not run again, their provenance is still the first pod's, byte for byte.
    for (const [key, text] of before) {
      expect(JSON.parse(text), key).toMatchObject({ attempt: first });
      expect((await store.get(key))?.toString('utf8'), key).toBe(text);
    }
    // The rest: run by the pod that redid the index.
    const after = await provenanceKeys();
    expect(after).toHaveLength(BLOCK);
    const redoneBy = new Set<string>();
    for (const key of after.filter((k) => !before.has(k))) redoneBy.add((JSON.parse((await store.get(key))?.toString('utf8') ?? '{}') as { attempt: string }).attempt);
    // The Experiment is Complete once every run.json is stored, which can be before the pod that wrote the last one has exited and the Job has counted it.
    const second = await waitFor('the pod that redid the index to end Succeeded', async () => {
      const ended = (await podsOfIndex()).filter((p) => p.metadata?.name !== first && p.status?.phase === 'Succeeded').map((p) => p.metadata?.name);
      return ended.length > 0 ? ended : undefined;
    }, { timeoutMs: 60_000 });
    expect(second).toHaveLength(1);
    expect([...redoneBy].filter((a) => a !== first)).toEqual(second);
    const job = await waitFor('the Job to count its index succeeded', async () => {
      const [j] = (await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/job-generation` })).items;
      return j?.status?.succeeded === 1 ? j : undefined;
    }, { timeoutMs: 60_000 });
    expect(job.status?.failed ?? 0).toBe(0);
  });
});
