// `helm install` of charts/swarmlab on the local cluster with the image built
// here, in a namespace that enforces the restricted Pod Security profile: the
// operator account's permissions checked with `kubectl auth can-i`, and the
// operator Deployment's pods, running on the local node under the chart's
// ServiceAccount (a projected token), taking an Experiment to Complete that
// `swarmlab submit` applied as a user holding only the built-in edit role.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { repoRoot } from '../cluster/versions.ts';
import { chartDir, helm, parseObjects, type K8sObject, type RunResult } from '../unit/helm-render.ts';

const cluster = useCluster('helm-install');
let release = '';
let second = '';
let work = '';
const helmEnv = (): Record<string, string> => ({ KUBECONFIG: cluster.connection.kubeconfigPath, HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_DATA_HOME: join(work, 'helm-data') });
const h = (args: string[]): RunResult => helm(args, helmEnv());

async function canI(verb: string, resource: string, namespace: string, sa: { ns: string; name: string }, extra: string[] = []): Promise<boolean> {
  const r = await cluster.kubectl(['auth', 'can-i', verb, resource, '-n', namespace, `--as=system:serviceaccount:${sa.ns}:${sa.name}`, ...extra]);
  const answer = r.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl auth can-i ${verb} ${resource}: ${r.stdout} ${r.stderr}`);
  return answer === 'yes';
}

/** A kubeconfig that authenticates as a ServiceAccount of the test namespace (a TokenRequest token), like an in-cluster one. */
async function tokenKubeconfig(account: string): Promise<string> {
  const tok = await cluster.kubectl(['create', 'token', account, '-n', cluster.namespace, '--duration=1h']);
  if (tok.code !== 0) throw new Error(`kubectl create token ${account}: ${tok.stderr}`);
  const current = cluster.kubeConfig.getCurrentCluster();
  if (current === null) throw new Error('no current cluster in the admin kubeconfig');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: current.server, caData: current.caData, caFile: current.caFile, skipTLSVerify: current.skipTLSVerify }],
    users: [{ name: account, token: tok.stdout.trim() }],
    contexts: [{ name: account, cluster: 'local', user: account, namespace: cluster.namespace }],
    currentContext: account,
  });
  const file = join(work, `${account}.kubeconfig`);
  writeFileSync(file, kc.exportConfig());
  return file;
}

function manifest(rel: string, ns: string): K8sObject[] {
  const r = h(['get', 'manifest', rel, '-n', ns]);
  if (r.code !== 0) throw new Error(r.stderr);
  return parseObjects(r.stdout);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'swarmlab-helm-install-'));
  const suffix = cluster.namespace.split('-').at(-1) ?? 'x';
  release = `sw-${suffix}`;
  second = `${cluster.namespace}-nsd`;
  const s = cluster.connection.objectStore;
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: { metadata: { name: 'store-credentials' }, stringData: { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey } },
  });
});

afterAll(async () => {
  if (release !== '') h(['uninstall', release, '-n', cluster.namespace, '--ignore-not-found']);
  if (second !== '') {
    h(['uninstall', 'nsd', '-n', second, '--ignore-not-found']);
    await cluster.kubectl(['delete', 'namespace', second, '--ignore-not-found', '--wait=false']);
  }
  if (work !== '' && process.env['SWARMLAB_KEEP_CLUSTER_LOGS'] !== '1') rmSync(work, { recursive: true, force: true });
});

describe('helm install on the local control plane', () => {
  const sa = () => ({ ns: cluster.namespace, name: `${release}-swarmlab` });

  it('installs the release (cluster scope, CRD included) and every object of its manifest exists', async () => {
    const s = cluster.connection.objectStore;
    // The chart's default image is the one built here (ghcr.io/swarmlab/swarmlab:<appVersion>), imported into the node.
    const [repository, tag] = cluster.connection.image.ref.split(/:(?=[^:]+$)/) as [string, string];
    const values = {
      runner: {
        image: { pullPolicy: 'Never' },
        env: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region },
        envSecret: 'store-credentials',
        defaultParallelism: 2,
      },
      operator: { image: { repository, tag, pullPolicy: 'Never' }, env: { SWARMLAB_S3_ENDPOINT: s.endpoint, AWS_REGION: s.region }, envSecret: 'store-credentials' },
      store: { uri: `s3://${s.bucket}/${cluster.namespace}` },
    };
    const file = join(work, 'values.yaml');
    writeFileSync(file, stringify(values));
    // --take-ownership: other test files on this control plane apply the same CRD with kubectl.
    const r = h(['install', release, chartDir, '-n', cluster.namespace, '--values', file, '--take-ownership', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    expect(r.stdout).toContain(`kubectl get experiments -n ${cluster.namespace} -w`);

    const objs = manifest(release, cluster.namespace);
    expect(objs.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ServiceAccount']);
    for (const o of objs) {
      const args = ['get', `${o.kind}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), o.metadata.name, '-o', 'jsonpath={.metadata.uid}'];
      if (o.metadata.namespace !== undefined) args.push('-n', o.metadata.namespace);
      const got = await cluster.kubectl(args);
      expect(got.code, `${o.kind}/${o.metadata.name}: ${got.stderr}`).toBe(0);
      expect(got.stdout).toMatch(/^[0-9a-f-]{36}$/);
    }
    const est = await cluster.kubectl(['wait', '--for=condition=Established', 'crd/experiments.swarmlab.io', '--timeout=60s']);
    expect(est.code, est.stderr).toBe(0);
    const dep = await cluster.kubectl(['get', 'deployment', `${release}-swarmlab`, '-n', cluster.namespace, '-o', 'jsonpath={.spec.replicas} {.spec.strategy.rollingUpdate.maxUnavailable}']);
    expect(dep.stdout).toBe('2 0');
  });

  it('the operator account cannot read secrets anywhere, and can do its job cluster-wide', async () => {
    const me = sa();
    for (const ns of [cluster.namespace, 'default', 'kube-system']) {
      for (const verb of ['get', 'list', 'watch']) expect(await canI(verb, 'secrets', ns, me), `${verb} secrets in ${ns}`).toBe(false);
      expect(await canI('create', 'jobs.batch', ns, me), `create jobs in ${ns}`).toBe(true);
      expect(await canI('delete', 'jobs.batch', ns, me)).toBe(true);
      expect(await canI('create', 'configmaps', ns, me)).toBe(true);
      expect(await canI('patch', 'experiments.swarmlab.io', ns, me)).toBe(true);
      expect(await canI('patch', 'experiments.swarmlab.io', ns, me, ['--subresource=status'])).toBe(true);
      expect(await canI('list', 'pods', ns, me)).toBe(true);
      expect(await canI('create', 'events', ns, me)).toBe(true);
      expect(await canI('create', 'events.events.k8s.io', ns, me)).toBe(true);
      // Not needed, not granted.
      expect(await canI('create', 'pods', ns, me)).toBe(false);
      expect(await canI('delete', 'experiments.swarmlab.io', ns, me)).toBe(false);
      expect(await canI('update', 'configmaps', ns, me)).toBe(false);
      expect(await canI('create', 'rolebindings.rbac.authorization.k8s.io', ns, me)).toBe(false);
    }
    expect(await canI('*', '*', cluster.namespace, me)).toBe(false);
    // Leases: create anywhere in the release namespace, read/renew only its own, nothing elsewhere.
    expect(await canI('create', 'leases.coordination.k8s.io', cluster.namespace, me)).toBe(true);
    expect(await canI('update', `leases.coordination.k8s.io/${release}-swarmlab`, cluster.namespace, me)).toBe(true);
    expect(await canI('update', 'leases.coordination.k8s.io/someone-else', cluster.namespace, me)).toBe(false);
    expect(await canI('create', 'leases.coordination.k8s.io', 'default', me)).toBe(false);
    // The runner account has no RBAC at all.
    expect(await canI('get', 'configmaps', cluster.namespace, { ns: cluster.namespace, name: `${release}-swarmlab-runner` })).toBe(false);
  });

  it('whoever holds the built-in edit or view role in a namespace may run or read Experiments there (aggregated roles), not write their status', async () => {
    const ns = cluster.namespace;
    const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    for (const [name, role] of [['alice', 'edit'], ['bob', 'view']] as const) {
      await cluster.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } });
      await rbac.createNamespacedRoleBinding({
        namespace: ns,
        body: { metadata: { name: `${name}-${role}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name, namespace: ns }] },
      });
    }
    const alice = { ns, name: 'alice' };
    const bob = { ns, name: 'bob' };
    // kube-controller-manager's clusterrole-aggregation controller copies the rules into edit and view.
    await waitFor('edit and view to include Experiments', async () => ((await canI('create', 'experiments.swarmlab.io', ns, alice)) && (await canI('list', 'experiments.swarmlab.io', ns, bob)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) expect(await canI(verb, 'experiments.swarmlab.io', ns, alice), `alice ${verb}`).toBe(true);
    expect(await canI('patch', 'experiments.swarmlab.io', ns, alice, ['--subresource=status'])).toBe(false);
    for (const verb of ['get', 'list', 'watch']) expect(await canI(verb, 'experiments.swarmlab.io', ns, bob), `bob ${verb}`).toBe(true);
    for (const verb of ['create', 'patch', 'delete']) expect(await canI(verb, 'experiments.swarmlab.io', ns, bob), `bob ${verb}`).toBe(false);
    // Only where bound.
    expect(await canI('create', 'experiments.swarmlab.io', 'default', alice)).toBe(false);
  });

  it('namespaced scope: a second release\'s account works in its own namespace only', async () => {
    await cluster.core.createNamespace({ body: { metadata: { name: second, labels: { 'swarmlab.dev/test': 'helm-install' } } } });
    const r = h(['install', 'nsd', chartDir, '-n', second, '--set', 'rbac.scope=namespaced', '--set', 'crds.install=false', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`namespace "${second}" only`);
    const me = { ns: second, name: 'nsd-swarmlab' };
    expect(await canI('create', 'jobs.batch', second, me)).toBe(true);
    expect(await canI('watch', 'experiments.swarmlab.io', second, me)).toBe(true);
    expect(await canI('get', 'secrets', second, me)).toBe(false);
    expect(await canI('create', 'jobs.batch', cluster.namespace, me)).toBe(false);
    expect(await canI('list', 'experiments.swarmlab.io', 'default', me)).toBe(false);
    expect(manifest('nsd', second).filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
  });

  it('the operator pods, running on the node as the chart\'s service account with the chart\'s env, take an Experiment that a user with only the built-in edit role submitted to Complete', { timeout: 300_000 }, async () => {
    const rollout = await cluster.kubectl(['rollout', 'status', `deployment/${release}-swarmlab`, '-n', cluster.namespace, '--timeout=180s']);
    expect(rollout.code, rollout.stderr + (await cluster.kubectl(['describe', 'pods', '-n', cluster.namespace, '-l', 'app.kubernetes.io/component=operator'])).stdout).toBe(0);
    const operatorPods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator` });
    expect(operatorPods.items).toHaveLength(2);
    for (const p of operatorPods.items) {
      expect(p.spec?.serviceAccountName).toBe(sa().name);
      expect(p.spec?.nodeName).toBeTruthy();
      expect(p.status?.phase).toBe('Running');
    }
    const names = operatorPods.items.map((p) => p.metadata?.name);
    const operatorLogs = async (): Promise<string> =>
      (await cluster.kubectl(['logs', '-n', cluster.namespace, '-l', `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator`, '--tail=30', '--prefix'])).stdout;
    const holder = await waitFor('an operator pod to hold the Lease', async () => {
      const lease = await cluster.kubectl(['get', 'lease', `${release}-swarmlab`, '-n', cluster.namespace, '-o', 'jsonpath={.spec.holderIdentity}']);
      return lease.code === 0 && lease.stdout !== '' ? lease.stdout : undefined;
    }, { timeoutMs: 60_000 }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}\noperator logs:\n${await operatorLogs()}`);
    });
    expect(names).toContain(holder);

    // A scenario file as a user would apply it, minus its local file:// store (the chart's store.uri applies) and cut small.
    const exp = parse(readFileSync(join(repoRoot, 'scenarios/mm1-queue.yaml'), 'utf8')) as { metadata: { name: string }; spec: { output?: unknown; sweep: { seeds: { replicas: number }; grid: Array<{ values: unknown[] }> }; scenario: { horizon: { time: number } } } };
    delete exp.spec.output;
    exp.spec.sweep.seeds.replicas = 2;
    exp.spec.sweep.grid = [{ ...exp.spec.sweep.grid[0], values: [0.3, 0.6] } as { values: unknown[] }];
    exp.spec.scenario.horizon.time = 300;
    // Submitted by alice, who holds only the built-in edit role here (the test before): what the chart's aggregated role gives her.
    const file = join(work, 'experiment.yaml');
    writeFileSync(file, stringify(exp));
    const submitted = spawnSync(process.execPath, [join(repoRoot, 'bin/swarmlab.js'), 'submit', file, '--namespace', cluster.namespace], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: await tokenKubeconfig('alice') },
    });
    expect(submitted.status, submitted.stderr).toBe(0);

    const name = exp.metadata.name;
    const status = await waitFor(`${name} to be Complete`, async () => {
      const r = await cluster.kubectl(['get', 'experiment', name, '-n', cluster.namespace, '-o', 'jsonpath={.status}']);
      if (r.stdout === '') return undefined;
      const st = JSON.parse(r.stdout) as { phase?: string; runs?: { total: number; succeeded: number; failed: number }; resultsURI?: string };
      if (st.phase === 'Failed' || st.phase === 'Invalid') throw new Error(`${name} is ${st.phase}: ${r.stdout}\n${await operatorLogs()}`);
      return st.phase === 'Complete' ? st : undefined;
    }, { timeoutMs: 200_000, intervalMs: 1000 }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}\noperator logs:\n${await operatorLogs()}`);
    });
    expect(status.runs).toMatchObject({ total: 4, succeeded: 4, failed: 0 });
    expect(status.resultsURI).toMatch(new RegExp(`^s3://${cluster.connection.objectStore.bucket}/${cluster.namespace}/${name}/`));
    // The runner pods used the chart's runner account and image.
    const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name},swarmlab.io/job-generation` });
    expect(pods.items.length).toBeGreaterThanOrEqual(4);
    for (const p of pods.items) {
      expect(p.spec?.serviceAccountName).toBe(`${release}-swarmlab-runner`);
      expect(p.spec?.containers[0]?.image).toBe(cluster.connection.image.ref);
      expect(p.status?.phase).toBe('Succeeded');
    }
    const table = await cluster.kubectl(['get', 'experiments', '-n', cluster.namespace, '--no-headers']);
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+Complete\\s+4/4\\s`, 'm'));
  });

  it('helm uninstall removes the release\'s objects but keeps the CRD (resource-policy: keep)', async () => {
    const r = h(['uninstall', release, '-n', cluster.namespace, '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    const dep = await cluster.kubectl(['get', 'deployment', `${release}-swarmlab`, '-n', cluster.namespace]);
    expect(dep.code).not.toBe(0);
    const crb = await cluster.kubectl(['get', 'clusterrolebinding', `${release}-swarmlab`]);
    expect(crb.code).not.toBe(0);
    const crd = await cluster.kubectl(['get', 'crd', 'experiments.swarmlab.io', '-o', 'jsonpath={.metadata.name}']);
    expect(crd.stdout).toBe('experiments.swarmlab.io');
    release = '';
  });
});
