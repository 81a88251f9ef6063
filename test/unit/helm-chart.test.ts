// charts/swarmlab rendered with the pinned helm: lint, template, schema,
// restricted pod specs (operator and the runner pods it creates), RBAC,
// CRD single source, dashboard metric names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../operator/src/config.ts';
import { buildJob } from '../../operator/src/jobs/build-job.ts';
import { OperatorMetrics } from '../../operator/src/http/metrics.ts';
import { parseExperimentText } from 'swarmlab';
import { repoRoot } from '../cluster/versions.ts';
import {
  chartDir,
  find,
  fullValuesFile,
  helm,
  helmBinary,
  K8sObject,
  one,
  podSpecOf,
  PodSpec,
  render,
  resolvedEnv,
  restrictedViolations,
  swarmlabPodViolations,
  templateArgs,
} from './helm-render.ts';

const NS = 'swarmlab-system';
const renders = {
  default: () => render({ release: 'demo', namespace: NS }),
  full: () => render({ release: 'demo', namespace: NS, valuesFiles: [fullValuesFile] }),
  namespaced: () => render({ release: 'demo', namespace: NS, setJson: { 'rbac.scope': 'namespaced' } }),
  singleNoLeader: () => render({ release: 'demo', namespace: NS, setJson: { 'operator.replicas': 1, 'operator.leaderElection.enabled': false } }),
};
type RenderName = keyof typeof renders;
const cache = new Map<RenderName, K8sObject[]>();
const rendered = (name: RenderName): K8sObject[] => {
  let objs = cache.get(name);
  if (objs === undefined) {
    objs = renders[name]();
    cache.set(name, objs);
  }
  return objs;
};
const renderNames = Object.keys(renders) as RenderName[];

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
const rulesOf = (o: K8sObject): Rule[] => (o as { rules?: Rule[] }).rules ?? [];

/** resource (group/resource) → sorted verbs, over every rule of the given roles. */
function verbsByResource(roles: K8sObject[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const r of roles) {
    for (const rule of rulesOf(r)) {
      for (const g of rule.apiGroups ?? []) {
        for (const res of rule.resources ?? []) {
          const key = `${g === '' ? 'core' : g}/${res}`;
          const set = (out[key] ??= new Set());
          for (const v of rule.verbs) set.add(v);
        }
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, s]) => [k, [...s].sort()]));
}

const EXPECTED_VERBS: Record<string, string[]> = {
  'swarmlab.io/experiments': ['get', 'list', 'patch', 'update', 'watch'],
  'swarmlab.io/experiments/status': ['get', 'patch', 'update'],
  'batch/jobs': ['create', 'delete', 'get', 'list', 'patch', 'watch'],
  'core/configmaps': ['create', 'delete', 'get', 'list', 'watch'],
  'core/pods': ['get', 'list', 'watch'],
  'core/events': ['create', 'patch'],
  'events.k8s.io/events': ['create', 'patch'],
  'coordination.k8s.io/leases': ['create', 'get', 'update'],
  'kueue.x-k8s.io/workloads': ['list', 'patch'],
};

describe('the helm binary', () => {
  it('is the pinned helm 4 from the cluster build cache', () => {
    const bin = helmBinary();
    const r = helm(['version', '--short']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^v4\./);
    expect(bin).toContain('/bin/helm');
  });
});

describe('Chart.yaml', () => {
  it('is apiVersion v2 with appVersion equal to package.json version', () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { apiVersion: string; appVersion: string; version: string; name: string };
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'swarmlab', appVersion: pkg.version });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('helm lint', () => {
  it.each([
    ['default values', [] as string[]],
    ['the full values file', ['--values', fullValuesFile]],
    ['namespaced RBAC', ['--set', 'rbac.scope=namespaced']],
  ])('passes --strict with %s', (_name, extra) => {
    const r = helm(['lint', '--strict', chartDir, ...extra]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });
});

describe('helm template', () => {
  it.each(renderNames)('renders %s into parseable objects with names and namespaces', (name) => {
    const objs = rendered(name);
    expect(objs.length).toBeGreaterThan(5);
    const clusterScoped = new Set(['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
    for (const o of objs) {
      if (clusterScoped.has(o.kind)) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NS);
      expect(o.metadata.labels?.['app.kubernetes.io/instance'], `${o.kind}/${o.metadata.name}`).toBe('demo');
    }
    const keys = objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('renders the expected kinds by default and every optional object with the full values', () => {
    const kinds = (objs: K8sObject[]) => [...new Set(objs.map((o) => o.kind))].sort();
    expect(kinds(rendered('default'))).toEqual(['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    expect(kinds(rendered('full'))).toEqual(['ConfigMap', 'CustomResourceDefinition', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  });

  it('fails for replicas > 1 without leader election', () => {
    const r = helm(templateArgs({ setJson: { 'operator.leaderElection.enabled': false } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('operator.replicas > 1 needs operator.leaderElection.enabled');
  });
});

describe('values.schema.json', () => {
  const rejects = (setJson: Record<string, unknown>, message: RegExp) => {
    const t = helm(templateArgs({ setJson }));
    expect(t.code, 'helm template must fail').not.toBe(0);
    expect(t.stderr).toMatch(message);
    const args = ['lint', chartDir];
    for (const [k, v] of Object.entries(setJson)) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
    const l = helm(args);
    expect(l.code, 'helm lint must fail').not.toBe(0);
    expect(l.stdout + l.stderr).toMatch(message);
  };

  it('rejects a typo at the top level', () => rejects({ replicas: 3 }, /additional properties 'replicas' not allowed/));
  it('rejects a typo in a nested object', () => rejects({ 'operator.replica': 3 }, /at '\/operator': additional properties 'replica' not allowed/));
  it('rejects a typo deep inside (runner.image.tags)', () => rejects({ 'runner.image.tags': 'x' }, /at '\/runner\/image': additional properties 'tags' not allowed/));
  it('rejects a wrong type', () => rejects({ 'operator.replicas': 'two' }, /at '\/operator\/replicas': got string, want integer/));
  it('rejects a value outside an enum', () => rejects({ 'rbac.scope': 'global' }, /at '\/rbac\/scope'/));
  it('rejects a non-string runner env value', () => rejects({ 'runner.env': { SWARMLAB_X: 1 } }, /at '\/runner\/env\/SWARMLAB_X': got number, want string/));
  it('rejects a bad env variable name', () => rejects({ 'runner.env': { 'not-valid': 'x' } }, /invalid propertyName 'not-valid'/));

  it('closes every object: additionalProperties is false or a typed map, never absent', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as unknown;
    const open: string[] = [];
    const walk = (s: unknown, path: string): void => {
      if (typeof s !== 'object' || s === null) return;
      const node = s as Record<string, unknown>;
      const passThrough = typeof node['description'] === 'string' && (node['description']).startsWith('A Kubernetes object') || path === '/properties/global';
      if (node['type'] === 'object' && !passThrough) {
        const ap = node['additionalProperties'];
        if (ap === undefined || ap === true) open.push(path);
      }
      for (const [k, v] of Object.entries(node)) {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}/${k}/${i}`));
        else walk(v, `${path}/${k}`);
      }
    };
    walk(schema, '');
    expect(open).toEqual([]);
  });

  it('accepts every key of values.yaml (the defaults validate against the schema)', () => {
    // The default render passing at all proves it; this pins that values.yaml has no key the schema lacks.
    expect(rendered('default').length).toBeGreaterThan(0);
  });
});

describe('CRD: one source of truth', () => {
  const source = readFileSync(join(repoRoot, 'crds/experiments.swarmlab.io.yaml'), 'utf8');

  it('the chart copy is byte-identical to crds/ (fix: cp crds/experiments.swarmlab.io.yaml charts/swarmlab/files/crds/)', () => {
    const copy = readFileSync(join(chartDir, 'files/crds/experiments.swarmlab.io.yaml'), 'utf8');
    expect(copy === source, 'charts/swarmlab/files/crds/experiments.swarmlab.io.yaml is stale: cp crds/experiments.swarmlab.io.yaml charts/swarmlab/files/crds/').toBe(true);
  });

  it('renders the same CRD, plus the keep policy and chart labels', () => {
    const crd = one(rendered('default'), 'CustomResourceDefinition') as K8sObject & { spec: unknown };
    const want = parse(source) as { metadata: { name: string; labels?: Record<string, string> }; spec: unknown };
    expect(crd.metadata.name).toBe(want.metadata.name);
    expect(crd.spec).toEqual(want.spec);
    expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(crd.metadata.labels).toMatchObject({ ...want.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' });
  });

  it('is not rendered with crds.install=false', () => {
    const objs = render({ setJson: { 'crds.install': false } });
    expect(find(objs, 'CustomResourceDefinition')).toEqual([]);
  });
});

describe('pod specs', () => {
  it.each(renderNames)('%s: every pod spec meets the restricted profile and swarmlab\'s rules', (name) => {
    const specs = rendered(name).map((o) => ({ o, spec: podSpecOf(o) })).filter((x) => x.spec !== undefined);
    expect(specs.length).toBeGreaterThan(0);
    for (const { o, spec } of specs) {
      const s = spec as PodSpec;
      expect(restrictedViolations(s), `${o.kind}/${o.metadata.name}`).toEqual([]);
      expect(swarmlabPodViolations(s), `${o.kind}/${o.metadata.name}`).toEqual([]);
    }
  });

  it('the checker catches each violation it claims to check (negative control)', () => {
    const bad = PodSpec.parse({
      hostNetwork: true,
      securityContext: { runAsUser: 0, seccompProfile: { type: 'Unconfined' } },
      containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } }],
      volumes: [{ name: 'h', hostPath: { path: '/' } }],
    });
    const v = restrictedViolations(bad).join('\n');
    for (const needle of ['hostNetwork', 'runAsUser is 0', 'seccompProfile.type is Unconfined', 'privileged', 'allowPrivilegeEscalation', 'drop lacks ALL', 'SYS_ADMIN', 'runAsNonRoot', 'hostPort 80', 'hostPath']) {
      expect(v).toContain(needle);
    }
    expect(swarmlabPodViolations(bad).join('\n')).toMatch(/readOnlyRootFilesystem[\s\S]*\/tmp/);
  });

  it('runner pods the operator builds from the chart\'s configuration meet the restricted profile too', () => {
    for (const name of ['default', 'full'] as const) {
      const dep = one(rendered(name), 'Deployment');
      const config = configFromEnv(resolvedEnv(dep, { name: 'op-0', namespace: NS }));
      const exp = parseExperimentText(readFileSync(join(repoRoot, 'scenarios/mm1-queue.yaml'), 'utf8'));
      const job = buildJob({ owner: { name: 'mm1', namespace: 'sims', uid: 'u-1' }, experiment: exp, digest: 'a'.repeat(64), total: 16, generation: 1, config });
      const spec = PodSpec.parse(job.spec?.template.spec);
      expect(restrictedViolations(spec), name).toEqual([]);
      expect(swarmlabPodViolations(spec), name).toEqual([]);
    }
  });
});

describe('operator Deployment', () => {
  const deployment = (name: RenderName) => one(rendered(name), 'Deployment') as K8sObject & {
    spec: {
      replicas: number;
      strategy: unknown;
      template: { spec: { serviceAccountName: string; containers: Array<{ command: string[]; image: string; livenessProbe: { httpGet: { path: string; port: string } }; readinessProbe: { httpGet: { path: string; port: string } }; resources: unknown; ports: Array<{ name: string; containerPort: number }>; envFrom?: unknown }> } };
    };
  };

  it('runs 2 replicas with a rolling update that never drops below the asked count', () => {
    const d = deployment('default');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  it('starts the operator entrypoint with probes on /healthz and /readyz and resources', () => {
    const c = deployment('default').spec.template.spec.containers[0];
    expect(c?.command).toEqual(['node', 'operator/src/main.ts']);
    expect(c?.image).toBe('ghcr.io/swarmlab/swarmlab:0.1.0');
    expect(c?.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c?.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c?.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c?.resources).toMatchObject({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  });

  it('its env is a valid operator configuration (operator/src/config.ts) matching the default values', () => {
    const dep = deployment('default');
    const env = resolvedEnv(dep, { name: 'demo-swarmlab-abc', namespace: NS });
    expect(env['POD_NAME']).toBe('demo-swarmlab-abc');
    expect(env['POD_NAMESPACE']).toBe(NS);
    expect(configFromEnv(env)).toEqual({
      workers: 4,
      runnerImage: 'ghcr.io/swarmlab/swarmlab:0.1.0',
      runnerPullPolicy: 'IfNotPresent',
      runnerEnv: {},
      runnerServiceAccount: 'demo-swarmlab-runner',
      defaultParallelism: 10,
      httpHost: '0.0.0.0',
      httpPort: 8080,
      leaderElection: true,
      leaseName: 'demo-swarmlab',
      leaseNamespace: NS,
      identity: 'demo-swarmlab-abc',
      resyncSeconds: 300,
      // Not in the chart: only lowered to test splitting sweeps over Jobs.
      maxIndexesPerJob: 100_000,
    });
  });

  it('passes the full values through to the operator configuration', () => {
    const dep = deployment('full');
    expect(configFromEnv(resolvedEnv(dep, { name: 'p', namespace: NS }))).toMatchObject({
      namespace: NS,
      workers: 8,
      runnerImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/swarmlab/runner-plus:0.1.0-modules.1',
      runnerPullPolicy: 'IfNotPresent',
      store: 's3://swarmlab-results/results',
      runnerEnvSecret: 'swarmlab-store-credentials',
      runnerEnv: { SWARMLAB_S3_ENDPOINT: 'http://minio.minio:9000', AWS_REGION: 'eu-west-1' },
      runnerServiceAccount: 'swarmlab-runner',
      defaultParallelism: 25,
      httpPort: 9090,
      leaseName: 'swarmlab-leader',
      resyncSeconds: 120,
    });
    expect(dep.spec.template.spec.serviceAccountName).toBe('swarmlab-operator');
    expect(dep.spec.template.spec.containers[0]?.envFrom).toEqual([{ secretRef: { name: 'swarmlab-store-credentials' } }]);
  });

  it('the runner image follows the operator image unless set, and a digest wins over the tag', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const dep = one(render({ setJson: { 'operator.image': { repository: 'r.example/sw', tag: '9.9.9', digest, pullPolicy: 'Always' } } }), 'Deployment');
    const env = resolvedEnv(dep, { name: 'p', namespace: NS });
    expect(env['SWARMLAB_RUNNER_IMAGE']).toBe(`r.example/sw@${digest}`);
    const tagOnly = resolvedEnv(one(render({ setJson: { 'operator.image.tag': '1.2.3' } }), 'Deployment'), { name: 'p', namespace: NS });
    expect(tagOnly['SWARMLAB_RUNNER_IMAGE']).toBe('ghcr.io/swarmlab/swarmlab:1.2.3');
  });

  it('a single replica without leader election renders no PDB and no lease RBAC', () => {
    const objs = rendered('singleNoLeader');
    expect(find(objs, 'PodDisruptionBudget')).toEqual([]);
    expect(verbsByResource([...find(objs, 'Role'), ...find(objs, 'ClusterRole')])['coordination.k8s.io/leases']).toBeUndefined();
    expect(resolvedEnv(one(objs, 'Deployment'), { name: 'p', namespace: NS })['SWARMLAB_LEADER_ELECTION']).toBe('false');
  });

  it('a PDB with minAvailable 1 guards more than one replica', () => {
    const pdb = one(rendered('default'), 'PodDisruptionBudget') as K8sObject & { spec: unknown };
    expect(pdb.spec).toMatchObject({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/component': 'operator', 'app.kubernetes.io/instance': 'demo' } } });
  });
});

describe('RBAC', () => {
  it.each(renderNames)('%s: no wildcard and no secrets in any rule', (name) => {
    const roles = [...find(rendered(name), 'Role'), ...find(rendered(name), 'ClusterRole')];
    for (const role of roles) {
      for (const rule of rulesOf(role)) {
        const all = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs, ...(rule.resourceNames ?? []), ...(rule.nonResourceURLs ?? [])];
        expect(all.filter((x) => x.includes('*')), `${role.kind}/${role.metadata.name}`).toEqual([]);
        expect((rule.resources ?? []).filter((r) => r.startsWith('secrets')), `${role.kind}/${role.metadata.name}`).toEqual([]);
        expect(rule.nonResourceURLs).toBeUndefined();
        expect(rule.verbs.filter((v) => ['escalate', 'bind', 'impersonate'].includes(v))).toEqual([]);
      }
    }
  });

  it('cluster scope: a ClusterRole bound cluster-wide with exactly the verbs the operator needs, the Lease in the release namespace', () => {
    const objs = rendered('default');
    const [cr] = find(objs, 'ClusterRole', 'demo-swarmlab');
    if (cr === undefined) throw new Error('no ClusterRole demo-swarmlab');
    const crb = one(objs, 'ClusterRoleBinding') as K8sObject & { roleRef: unknown; subjects: unknown };
    expect(crb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: cr.metadata.name });
    expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'demo-swarmlab', namespace: NS }]);
    const lease = one(objs, 'Role');
    expect(lease.metadata.namespace).toBe(NS);
    expect(verbsByResource([cr, lease])).toEqual(EXPECTED_VERBS);
    expect(verbsByResource([cr])['coordination.k8s.io/leases']).toBeUndefined();
    // get/update only on the operator's own Lease.
    expect(rulesOf(lease).find((r) => r.verbs.includes('update'))?.resourceNames).toEqual(['demo-swarmlab']);
    expect(resolvedEnv(one(objs, 'Deployment'), { name: 'p', namespace: NS })['SWARMLAB_WATCH_NAMESPACE']).toBeUndefined();
  });

  it('cluster scope: Experiments for whoever may edit or view a namespace, through the built-in roles; status only for the operator', () => {
    const objs = rendered('default');
    const role = (name: string): K8sObject => {
      const [r] = find(objs, 'ClusterRole', name);
      if (r === undefined) throw new Error(`no ClusterRole ${name}`);
      return r;
    };
    const edit = role('demo-swarmlab-experiments-edit');
    const view = role('demo-swarmlab-experiments-view');
    const aggregation = (r: K8sObject) => Object.keys(r.metadata.labels ?? {}).filter((k) => k.startsWith('rbac.authorization.k8s.io/')).sort();
    expect(aggregation(edit)).toEqual(['rbac.authorization.k8s.io/aggregate-to-admin', 'rbac.authorization.k8s.io/aggregate-to-edit']);
    expect(aggregation(view)).toEqual(['rbac.authorization.k8s.io/aggregate-to-view']);
    expect(verbsByResource([edit])).toEqual({
      'swarmlab.io/experiments': ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      'swarmlab.io/experiments/status': ['get'],
    });
    expect(verbsByResource([view])).toEqual({ 'swarmlab.io/experiments': ['get', 'list', 'watch'], 'swarmlab.io/experiments/status': ['get', 'list', 'watch'] });
    // Bound by the cluster's own role bindings, never by the chart.
    for (const b of find(objs, 'ClusterRoleBinding')) expect((b as K8sObject & { roleRef: { name: string } }).roleRef.name).toBe('demo-swarmlab');
  });

  it('namespaced scope: Role and RoleBinding in the release namespace, and the operator watches only it', () => {
    const objs = rendered('namespaced');
    expect(find(objs, 'ClusterRole')).toEqual([]);
    expect(find(objs, 'ClusterRoleBinding')).toEqual([]);
    const roles = find(objs, 'Role');
    for (const r of [...roles, ...find(objs, 'RoleBinding')]) expect(r.metadata.namespace).toBe(NS);
    expect(verbsByResource(roles)).toEqual(EXPECTED_VERBS);
    const config = configFromEnv(resolvedEnv(one(objs, 'Deployment'), { name: 'p', namespace: NS }));
    expect(config.namespace).toBe(NS);
    expect(config.leaseNamespace).toBe(NS);
  });

  it('rbac.create=false renders no RBAC objects', () => {
    const objs = render({ setJson: { 'rbac.create': false } });
    for (const k of ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) expect(find(objs, k)).toEqual([]);
  });
});

describe('service accounts', () => {
  it('the operator account carries IRSA annotations; the runner account gets no token and exists where asked', () => {
    const objs = render({
      setJson: {
        'serviceAccount.annotations': { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/op' },
        'runner.serviceAccount.annotations': { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/run' },
        'runner.serviceAccount.extraNamespaces': ['sims', 'team-b'],
      },
    });
    const sas = find(objs, 'ServiceAccount') as Array<K8sObject & { automountServiceAccountToken?: boolean }>;
    const op = sas.find((s) => s.metadata.name === 'demo-swarmlab');
    expect(op?.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/op' });
    const runners = sas.filter((s) => s.metadata.name === 'demo-swarmlab-runner');
    expect(runners.map((s) => s.metadata.namespace).sort()).toEqual(['sims', NS, 'team-b'].sort());
    for (const r of runners) {
      expect(r.automountServiceAccountToken).toBe(false);
      expect(r.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/run' });
    }
  });

  it('without a runner account the operator leaves runner pods on the namespace default', () => {
    const objs = render({ setJson: { 'runner.serviceAccount.create': false } });
    expect(find(objs, 'ServiceAccount').map((s) => s.metadata.name)).toEqual(['demo-swarmlab']);
    expect(configFromEnv(resolvedEnv(one(objs, 'Deployment'), { name: 'p', namespace: NS })).runnerServiceAccount).toBeUndefined();
  });
});

describe('Service, ServiceMonitor, NetworkPolicy', () => {
  it('the Service and ServiceMonitor point at the operator\'s http port and /metrics', () => {
    const objs = rendered('full');
    const svc = one(objs, 'Service') as K8sObject & { spec: { ports: unknown; selector: Record<string, string> } };
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP' }]);
    const dep = one(objs, 'Deployment') as K8sObject & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(dep.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    const sm = one(objs, 'ServiceMonitor') as K8sObject & { apiVersion: string; spec: { endpoints: unknown; selector: { matchLabels: Record<string, string> } } };
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }]);
    expect(sm.spec.selector.matchLabels).toEqual(svc.spec.selector);
  });

  it('the NetworkPolicy denies by default and allows exactly HTTP in, DNS, the API server, the store and extras out', () => {
    const np = one(rendered('full'), 'NetworkPolicy') as K8sObject & {
      spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: unknown[]; egress: Array<{ to?: unknown[]; ports?: Array<{ port: number | string; protocol: string }> }> };
    };
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.podSelector.matchLabels).toMatchObject({ 'app.kubernetes.io/component': 'operator' });
    expect(np.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }]);
    const ports = np.spec.egress.map((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`).join(','));
    expect(ports).toEqual(['UDP/53,TCP/53', 'TCP/443', 'TCP/443,TCP/9000', 'TCP/80']);
    expect(np.spec.egress[1]?.to).toEqual([{ ipBlock: { cidr: '10.0.0.0/16' } }]);
    expect(np.spec.egress[2]?.to).toEqual([{ ipBlock: { cidr: '52.218.0.0/17' } }, { ipBlock: { cidr: '3.5.64.0/21' } }]);
    expect(find(rendered('default'), 'NetworkPolicy')).toEqual([]);
  });
});

describe('Grafana dashboard', () => {
  const text = readFileSync(join(chartDir, 'dashboards/swarmlab.json'), 'utf8');
  const dashboard = JSON.parse(text) as { uid: string; title: string; panels: Array<{ id: number; type: string; title: string; targets?: Array<{ expr: string; datasource: { uid: string } }> }>; templating: { list: Array<{ name: string }> } };

  it('queries only metrics the operator exports (operator/src/http/metrics.ts)', async () => {
    const metrics = new OperatorMetrics(() => ({ byPhase: { Pending: 0, Queued: 0, Running: 0, Suspended: 0, Complete: 0, Failed: 0, Invalid: 0, Unknown: 0 }, runs: { pending: 0, running: 0, succeeded: 0, failed: 0 } }));
    const exported = new Set<string>();
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(m.name + s);
    }
    const used = new Set<string>();
    for (const p of dashboard.panels) for (const t of p.targets ?? []) for (const m of t.expr.matchAll(/\bswarmlab_[a-z0-9_]+/g)) used.add(m[0]);
    for (const v of dashboard.templating.list) for (const m of JSON.stringify(v).matchAll(/\bswarmlab_[a-z0-9_]+/g)) used.add(m[0]);
    expect([...used].filter((u) => !exported.has(u))).toEqual([]);
    // Every operator metric of its own (not the process defaults) is on the dashboard.
    const own = [...exported].filter((n) => !n.startsWith('swarmlab_operator_') && !/_(bucket|sum|count)$/.test(n));
    expect(own.filter((n) => ![...used].some((u) => u === n || u.startsWith(`${n}_`)))).toEqual([]);
  });

  it('has unique panel ids, a datasource variable on every target, and namespace/pod variables', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) for (const t of p.targets ?? []) expect(t.datasource.uid, p.title).toBe('${datasource}');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'pod']);
    expect(dashboard.uid).toBe('swarmlab-operator');
  });

  it('ships as a ConfigMap labelled grafana_dashboard: "1" only when enabled', () => {
    expect(find(rendered('default'), 'ConfigMap')).toEqual([]);
    const cm = one(rendered('full'), 'ConfigMap') as K8sObject & { data: Record<string, string> };
    expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1', team: 'sims' });
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'swarmlab' });
    expect(JSON.parse(cm.data['swarmlab.json'] ?? '')).toEqual(dashboard);
    const elsewhere = render({ setJson: { 'grafana.dashboard': { enabled: true, namespace: 'monitoring' } } });
    expect(one(elsewhere, 'ConfigMap').metadata.namespace).toBe('monitoring');
  });
});

describe('NOTES.txt', () => {
  it('tells the user how to apply, watch and fetch a first Experiment', () => {
    const r = helm(['install', 'demo', chartDir, '--namespace', NS, '--dry-run=client', '--set', 'store.uri=s3://b/p']);
    expect(r.code, r.stderr).toBe(0);
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes).toContain(`kubectl apply -n ${NS} -f scenarios/`);
    expect(notes).toContain(`kubectl get experiments -n ${NS} -w`);
    expect(notes).toMatch(/swarmlab results \S+ --namespace swarmlab-system/);
    expect(notes).toContain('s3://b/p');
    expect(notes).toContain('rollout status deployment/demo-swarmlab');
  });
});
