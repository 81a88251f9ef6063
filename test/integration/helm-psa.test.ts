// Every object charts/swarmlab renders, server-side dry-run into a namespace
// that enforces the restricted Pod Security Standard on the real
// kube-apiserver (pod-security admission is on by default). Workloads only
// get PSA warnings at admission, so bare Pods built from their templates are
// created (dry-run) too: those PSA enforces. The runner pods the operator
// would create from the chart's configuration are checked the same way.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../operator/src/config.ts';
import { buildJob } from '../../operator/src/jobs/build-job.ts';
import { parseExperimentText } from 'swarmlab';
import { useCluster } from '../cluster/harness.ts';
import { repoRoot } from '../cluster/versions.ts';
import { fullValuesFile, K8sObject, one, podFromTemplate, render, resolvedEnv, type RenderOptions } from '../unit/helm-render.ts';

const cluster = useCluster('helm-psa');

beforeAll(async () => {
  const r = await cluster.kubectl([
    'label', 'namespace', cluster.namespace, '--overwrite',
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/enforce-version=latest',
    'pod-security.kubernetes.io/warn=restricted',
    'pod-security.kubernetes.io/warn-version=latest',
  ]);
  expect(r.code, r.stderr).toBe(0);
});

/**
 * kubectl apply --server-side --dry-run=server of one object; PSA warnings arrive on stderr as "Warning: ...".
 * A Pod's ServiceAccount is created first: the ServiceAccount admission plugin
 * refuses a pod naming one that does not exist (helm install would have made it).
 */
async function dryRun(obj: unknown): Promise<{ code: number; stdout: string; stderr: string }> {
  const pod = obj as { kind?: string; spec?: { serviceAccountName?: string } };
  const account = pod.kind === 'Pod' ? pod.spec?.serviceAccountName : undefined;
  if (account !== undefined) await cluster.kubectl(['create', 'serviceaccount', account, '-n', cluster.namespace]);
  return cluster.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=helm-psa-test', '--dry-run=server', '-f', '-'], { input: stringify(obj) });
}

// CRDs this control plane does not serve: only prometheus-operator's ServiceMonitor may be skipped.
const NOT_SERVED = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

const variants: Array<[string, RenderOptions]> = [
  ['default values', {}],
  ['the full values file', { valuesFiles: [fullValuesFile] }],
  ['namespaced RBAC', { setJson: { 'rbac.scope': 'namespaced' } }],
];

describe('restricted Pod Security on the local API server', () => {
  it('the namespace really enforces restricted: a bare pod without a security context is rejected (control)', async () => {
    const r = await dryRun({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unrestricted', namespace: cluster.namespace }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('violates PodSecurity "restricted:latest"');
  });

  it('a violating Deployment gets a PSA warning at dry-run, so "no warnings" below means something (control)', async () => {
    const r = await dryRun({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'unrestricted', namespace: cluster.namespace },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } } },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('would violate PodSecurity "restricted:latest"');
  });

  it.each(variants)('%s: every rendered object passes a server-side dry-run with no warnings', async (_name, opts) => {
    const objs = render({ release: 'psa', namespace: cluster.namespace, ...opts });
    const skipped: string[] = [];
    for (const obj of objs) {
      const id = `${obj.apiVersion}/${obj.kind}`;
      if (NOT_SERVED.has(id)) {
        skipped.push(id);
        continue;
      }
      const r = await dryRun(obj);
      expect(r.code, `${obj.kind}/${obj.metadata.name}: ${r.stderr}`).toBe(0);
      expect(r.stderr, `${obj.kind}/${obj.metadata.name}`).toBe('');
      expect(r.stdout).toContain('(server dry run)');
    }
    expect(skipped.length).toBeLessThanOrEqual(1);
  });

  it.each(variants)('%s: a bare Pod from the operator Deployment\'s template is admitted', async (_name, opts) => {
    const dep = one(render({ release: 'psa', namespace: cluster.namespace, ...opts }), 'Deployment');
    const r = await dryRun(podFromTemplate(dep, 'operator-pod'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it.each(variants)('%s: the runner Job the operator builds from the chart\'s configuration, and a bare Pod from it, are admitted', async (_name, opts) => {
    const dep = one(render({ release: 'psa', namespace: cluster.namespace, ...opts }), 'Deployment');
    const config = configFromEnv(resolvedEnv(dep, { name: 'op', namespace: cluster.namespace }));
    const exp = parseExperimentText(readFileSync(join(repoRoot, 'scenarios/mm1-queue.yaml'), 'utf8'));
    const job = K8sObject.parse(buildJob({ owner: { name: 'mm1', namespace: cluster.namespace, uid: '00000000-0000-0000-0000-000000000001' }, experiment: exp, digest: 'c'.repeat(64), total: 16, generation: 0, config }));
    // Owner references need the owner to exist; admission of the pod spec does not depend on them.
    delete (job.metadata as { ownerReferences?: unknown }).ownerReferences;
    const j = await dryRun(job);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stderr).toBe('');
    const p = await dryRun(podFromTemplate(job, 'runner-pod'));
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toBe('');
  });
});
