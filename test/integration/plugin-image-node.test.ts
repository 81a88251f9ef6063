// The example module package (examples/plugins/sir-epidemic) taken to the
// local control plane the way its README tells a user to: its Dockerfile built
// FROM the swarmlab image built here (buildah, in the same image store), the
// result loaded into the node's containerd (the local stand-in for a registry
// push), and the chart installed with its operator image pointing at it, which
// the runner pods follow. An Experiment using the package's modules, applied
// with kubectl, completes on the node with the manifest digest `swarmlab run`
// gives the same file with the package loaded locally, and the report the
// results Job builds inside that image (the package's panels included) is
// `swarmlab run`'s bytes. A module the image lacks is InvalidSpec before any Job.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { BUILT_FILES } from 'swarmlab';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { buildDerivedImage, ensureImage, loadIntoNode } from '../cluster/image.ts';
import { experimentStatus, waitForPhase } from '../cluster/operator-fixture.ts';
import { chartDir, helm } from '../unit/helm-render.ts';

const cluster = useCluster('plugin-image');
const repo = new URL('../../', import.meta.url);
const bin = fileURLToPath(new URL('bin/swarmlab.js', repo));
const example = fileURLToPath(new URL('examples/plugins/sir-epidemic/', repo));
const PLUGIN_IMAGE = { repository: 'localhost/swarmlab-sir', tag: '1.0.0' };
const pluginRef = `${PLUGIN_IMAGE.repository}:${PLUGIN_IMAGE.tag}`;

let work = '';
const release = 'sir';
const helmEnv = (): Record<string, string> => ({ KUBECONFIG: cluster.connection.kubeconfigPath, HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_DATA_HOME: join(work, 'helm-data') });

function swarmlab(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The example's Experiment, smaller (200 agents, 2x2 points, one seed), under another name, storing where the chart says. */
function smallSir(name: string, agentModule = 'sir-epidemic'): string {
  const doc = parseDocument(readFileSync(join(example, 'experiment.yaml'), 'utf8'));
  doc.setIn(['metadata', 'name'], name);
  doc.setIn(['spec', 'scenario', 'modules', 0, 'config', 'size'], 200);
  doc.setIn(['spec', 'scenario', 'modules', 0, 'config', 'p'], 0.05);
  doc.setIn(['spec', 'scenario', 'modules', 1, 'module'], agentModule);
  doc.setIn(['spec', 'scenario', 'horizon', 'time'], 60);
  doc.setIn(['spec', 'sweep', 'seeds', 'replicas'], 1);
  doc.setIn(['spec', 'sweep', 'grid', 0, 'values'], doc.createNode([0.2, 0.4]));
  doc.setIn(['spec', 'sweep', 'grid', 1, 'values'], doc.createNode([0, 20]));
  doc.deleteIn(['spec', 'output']);
  return doc.toString({ lineWidth: 0 });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-plugin-image-'));
  const node = cluster.connection.nodeImages;
  if (node === undefined) throw new Error('this test loads an image into the local node: it needs the harness\'s own cluster, not SWARMLAB_TEST_KUBECONFIG');
  const archive = join(work, 'swarmlab-sir.oci.tar');
  await buildDerivedImage(await ensureImage(), { context: example, tag: pluginRef, archive });
  await loadIntoNode(node, archive);

  const s = cluster.connection.objectStore;
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: { metadata: { name: 'store-credentials' }, stringData: { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey } },
  });
  // Namespaced: this release's operator acts on this namespace only.
  const values = {
    rbac: { scope: 'namespaced' },
    crds: { install: false },
    operator: { replicas: 1, image: { ...PLUGIN_IMAGE, pullPolicy: 'Never' }, env: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region }, envSecret: 'store-credentials' },
    runner: { image: { pullPolicy: 'Never' }, env: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region }, envSecret: 'store-credentials', defaultParallelism: 2 },
    store: { uri: `s3://${s.bucket}/${cluster.namespace}` },
  };
  const file = join(work, 'values.yaml');
  writeFileSync(file, stringify(values));
  const crd = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', fileURLToPath(new URL('crds/experiments.swarmlab.io.yaml', repo))]);
  if (crd.code !== 0) throw new Error(`applying the CRD: ${crd.stderr}`);
  const installed = helm(['install', release, chartDir, '-n', cluster.namespace, '--values', file, '--timeout', '60s'], helmEnv());
  if (installed.code !== 0) throw new Error(`helm install: ${installed.stderr}`);
  const rollout = await cluster.kubectl(['rollout', 'status', `deployment/${release}-swarmlab`, '-n', cluster.namespace, '--timeout=180s']);
  if (rollout.code !== 0) throw new Error(`the operator did not roll out: ${rollout.stderr}\n${(await cluster.kubectl(['describe', 'pods', '-n', cluster.namespace])).stdout}`);
}, 600_000);

afterAll(() => {
  if (work === '') return;
  helm(['uninstall', release, '-n', cluster.namespace, '--ignore-not-found'], helmEnv());
  if (process.env['SWARMLAB_KEEP_CLUSTER_LOGS'] !== '1') rmSync(work, { recursive: true, force: true });
});

describe('a module package in an image built FROM swarmlab\'s, on the local node', () => {
  it('the operator and the runner pods run that image; the package\'s Experiment completes with swarmlab run\'s digest, and its report is swarmlab run\'s bytes', { timeout: 420_000 }, async () => {
    const name = 'sir-small';
    const spec = join(work, `${name}.yaml`);
    writeFileSync(spec, smallSir(name));
    const applied = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', spec]);
    expect(applied.code, applied.stderr).toBe(0);
    const local = await swarmlab(['run', spec, '--json', '--workers', '2', '--store', `file://${join(work, 'results')}`], {
      SWARMLAB_S3_ENDPOINT: '',
      SWARMLAB_MODULES: join(example, 'src/index.ts'),
    });
    expect(local.code, local.stderr).toBe(0);
    const summary = JSON.parse(local.stdout) as { total: number; succeeded: number; manifestDigest: string };
    expect(summary).toMatchObject({ total: 4, succeeded: 4 });

    const done = await waitForPhase(cluster, name, 'Complete', 300_000);
    expect(done.runs?.succeeded).toBe(4);
    expect(done.manifestDigest).toBe(summary.manifestDigest);

    const operatorPods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator` });
    const runnerPods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `batch.kubernetes.io/job-name` });
    expect(operatorPods.items.length).toBeGreaterThan(0);
    expect(runnerPods.items.length).toBeGreaterThan(0);
    for (const p of [...operatorPods.items, ...runnerPods.items]) {
      expect(p.spec?.containers.map((c) => c.image), p.metadata?.name).toEqual([pluginRef]);
      expect(p.spec?.nodeName).toBeTruthy();
    }

    await waitFor(`${name}'s tables and report`, async () => ((await experimentStatus(cluster, name))?.conditions?.some((c) => c.type === 'ResultsReady' && c.status === 'True') ? true : undefined), { timeoutMs: 180_000, intervalMs: 500 });
    const s = cluster.connection.objectStore;
    const downloaded = join(work, 'downloaded');
    const fetched = await swarmlab(['results', name, '-n', cluster.namespace, '--download', downloaded], {
      KUBECONFIG: cluster.connection.kubeconfigPath,
      AWS_ACCESS_KEY_ID: s.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
      AWS_REGION: s.region || 'us-east-1',
      SWARMLAB_S3_ENDPOINT: s.endpoint,
    });
    expect(fetched.code, fetched.stderr).toBe(0);
    const set = join(work, 'results', name, (done.specDigest ?? '').slice(0, 16));
    for (const f of [...BUILT_FILES, 'results-index.json']) {
      expect(readFileSync(join(downloaded, f)).equals(readFileSync(join(set, f))), `${f}: the cluster's bytes are swarmlab run's`).toBe(true);
    }
    // The package's own panel, drawn by the results Job inside the plugin image.
    expect(readFileSync(join(downloaded, 'report.html'), 'utf8')).toContain('Attack rate: the share of agents ever infected');
  });

  it('a module the image lacks: InvalidSpec naming it and the closest module the image has, and no Job', async () => {
    const name = 'sir-typo';
    const spec = join(work, `${name}.yaml`);
    writeFileSync(spec, smallSir(name, 'sir-epidemik'));
    const applied = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', spec]);
    expect(applied.code, applied.stderr).toBe(0);
    const s = await waitForPhase(cluster, name, 'Invalid', 120_000);
    const why = s.conditions?.find((c) => c.type === 'InvalidSpec');
    expect(why).toMatchObject({ status: 'True', reason: 'UnknownModule' });
    expect(why?.message).toContain('spec.scenario.modules[1].module');
    expect(why?.message).toContain('sir-epidemik');
    expect(why?.message).toContain('sir-epidemic');
    const jobs = await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name}` });
    expect(jobs.items).toEqual([]);
  });
});
