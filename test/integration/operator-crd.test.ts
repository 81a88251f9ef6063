// The generated Experiment CRD on a real kube-apiserver: accepted as a
// structural schema, serves valid Experiments with printer columns and
// kubectl explain, and rejects invalid documents at admission with the
// field path (OpenAPI constraints and CEL rules).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { installExperimentCrd } from '../cluster/operator-fixture.ts';
import { useCluster } from '../cluster/harness.ts';
import { repoRoot } from '../cluster/versions.ts';
import { CRD_FILE } from '../../operator/src/crd/generate.ts';

const cluster = useCluster('operator-crd');

type Doc = Record<string, unknown> & { metadata: { name: string }; spec: Record<string, unknown> };

function valid(name: string): Doc {
  return {
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      scenario: {
        modules: [
          { kind: 'network', module: 'explicit', name: 'topology', config: { nodes: ['a', 'b'], edges: [{ from: 'a', to: 'b', weight: 1 }] } },
          { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.5, target: 'b', network: 'topology' } },
        ],
        latency: [{ name: 'transit', model: 'uniform', min: 0.1, max: 0.2 }],
        horizon: { time: 100 },
      },
      sweep: { seeds: { base: 7, replicas: 2 }, grid: [{ param: 'arrivals.rate', values: [0.3, 0.5] }] },
      execution: { parallelism: 2, retries: 1 },
      output: { store: 's3://results/lab' },
    },
  };
}

/** A valid document with one change applied at a dotted path (array indexes as numbers). */
function bad(name: string, path: string, value: unknown): Doc {
  const doc = valid(name);
  const keys = path.split('.');
  let node: Record<string, unknown> = doc;
  for (const k of keys.slice(0, -1)) {
    if (node[k] === undefined) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return doc;
}

async function apply(doc: unknown) {
  return cluster.kubectl(['apply', '-n', cluster.namespace, '-f', '-'], { input: stringify(doc) });
}

beforeAll(async () => {
  await installExperimentCrd(cluster);
  // Discovery can lag Established; retry the first create until it is served.
  for (let i = 0; i < 40; i++) {
    const r = await apply(valid('probe'));
    if (r.code === 0) return;
    await new Promise((r2) => setTimeout(r2, 250));
  }
  throw new Error('experiments were not served');
});

describe('Experiment CRD on a real API server', () => {
  it('the committed CRD file is what the API server stores (structural, no pruning surprises)', async () => {
    const got = await cluster.kubectl(['get', 'crd', 'experiments.swarmlab.io', '-o', 'jsonpath={.status.conditions[?(@.type=="NonStructuralSchema")].status}']);
    expect(got.stdout).toBe('');
    expect(readFileSync(join(repoRoot, CRD_FILE), 'utf8')).toContain('x-kubernetes-validations');
  });

  it('accepts a valid Experiment, keeps its fields, and prints the columns', async () => {
    const r = await apply(valid('ok'));
    expect(r.code, r.stderr).toBe(0);
    const got = await cluster.kubectl(['get', 'experiment', 'ok', '-n', cluster.namespace, '-o', 'json']);
    const obj = JSON.parse(got.stdout) as Doc;
    // Preserve-unknown nodes (module config, parameter values) survive pruning.
    expect(obj.spec).toEqual(valid('ok').spec);
    const table = await cluster.kubectl(['get', 'exp', '-n', cluster.namespace]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+RUNS\s+FAILED\s+AGE\s+RESULTS/);
    const cat = await cluster.kubectl(['get', 'swarmlab', '-n', cluster.namespace, '-o', 'name']);
    expect(cat.stdout).toContain('experiment.swarmlab.io/ok');
  });

  it('accepts an Experiment with a design and keeps every field of it (categorical values included)', async () => {
    const doc = valid('designed');
    doc.spec.sweep = {
      seeds: { base: 7 },
      design: {
        method: 'latin-hypercube',
        samples: 16,
        maximin: true,
        candidates: 4,
        parameters: [
          { param: 'arrivals.rate', distribution: 'log-uniform', min: 0.1, max: 0.9 },
          { param: 'transit.kind', distribution: 'categorical', values: ['a', 2, true] },
        ],
      },
      points: [{ 'arrivals.rate': 0.5 }],
    };
    const r = await apply(doc);
    expect(r.code, r.stderr).toBe(0);
    const got = await cluster.kubectl(['get', 'experiment', 'designed', '-n', cluster.namespace, '-o', 'json']);
    expect((JSON.parse(got.stdout) as Doc).spec.sweep).toEqual(doc.spec.sweep);
    const refused = await apply(bad('designed-bad', 'spec.sweep', { design: { method: 'grid', parameters: [] } }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/spec\.sweep\.design\.method: Unsupported value: "grid"/);
  });

  it('kubectl explain shows the zod descriptions', async () => {
    const r = await cluster.kubectl(['explain', 'experiment.spec.sweep']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Seeds x parameter points: a grid or a design');
    const ex = await cluster.kubectl(['explain', 'experiment.spec.execution.maxFailedRuns']);
    expect(ex.stdout).toContain('Failure budget');
  });

  const long = 'x'.repeat(4097);
  const table: [string, Doc, RegExp][] = [
    ['no spec', (() => { const d = valid('b01') as Record<string, unknown>; delete d['spec']; return d as Doc; })(), /spec: Required value/],
    ['no scenario', bad('b02', 'spec.scenario', undefined), /spec\.scenario: Required value/],
    ['no modules', bad('b03', 'spec.scenario.modules', []), /spec\.scenario\.modules: Invalid value.*at least 1 item/],
    ['unknown module kind', bad('b04', 'spec.scenario.modules', [{ kind: 'robot', module: 'x' }]), /spec\.scenario\.modules\[0\]\.kind: Unsupported value: "robot"/],
    ['module name not an identifier', bad('b05', 'spec.scenario.modules', [{ kind: 'agent', module: 'Bad_Name' }]), /spec\.scenario\.modules\[0\]\.module: Invalid value/],
    ['duplicate instance names', bad('b06', 'spec.scenario.modules', [{ kind: 'agent', module: 'a' }, { kind: 'policy', module: 'b', name: 'a' }]), /spec\.scenario\.modules: Invalid value.*must be unique/],
    ['horizon without time or events', bad('b07', 'spec.scenario.horizon', {}), /spec\.scenario\.horizon: Invalid value.*set time, events or both/],
    ['negative horizon', bad('b08', 'spec.scenario.horizon', { time: -1 }), /spec\.scenario\.horizon\.time: Invalid value/],
    ['uniform latency without max', bad('b09', 'spec.scenario.latency', [{ name: 'l', model: 'uniform', min: 1 }]), /spec\.scenario\.latency\[0\]: Invalid value.*model uniform needs min and max/],
    ['latency min above max', bad('b10', 'spec.scenario.latency', [{ name: 'l', model: 'uniform', min: 2, max: 1 }]), /spec\.scenario\.latency\[0\]\.min: Invalid value.*min must not exceed max/],
    ['unknown latency model', bad('b11', 'spec.scenario.latency', [{ name: 'l', model: 'pareto' }]), /spec\.scenario\.latency\[0\]\.model: Unsupported value/],
    ['description too long', bad('b12', 'spec.scenario.description', long), /spec\.scenario\.description: Too long/],
    ['replicas and list', bad('b13', 'spec.sweep.seeds', { replicas: 2, list: [1, 2] }), /spec\.sweep\.seeds: Invalid value.*replicas or list, not both/],
    ['zero replicas', bad('b14', 'spec.sweep.seeds', { replicas: 0 }), /spec\.sweep\.seeds\.replicas: Invalid value/],
    ['seed base above uint32', bad('b15', 'spec.sweep.seeds', { base: 4294967296 }), /spec\.sweep\.seeds\.base: Invalid value/],
    ['parameter path without a dot', bad('b16', 'spec.sweep.grid', [{ param: 'nodots', values: [1] }]), /spec\.sweep\.grid\[0\]\.param: Invalid value/],
    ['empty axis', bad('b17', 'spec.sweep.grid', [{ param: 'a.b', values: [] }]), /spec\.sweep\.grid\[0\]\.values: Invalid value/],
    ['more runs than maxRuns', bad('b18', 'spec.sweep', { seeds: { replicas: 5 }, maxRuns: 4 }), /spec\.sweep\.maxRuns: Invalid value.*more runs/],
    ['maxRuns zero', bad('b19', 'spec.sweep.maxRuns', 0), /spec\.sweep\.maxRuns: Invalid value/],
    ['parallelism zero', bad('b20', 'spec.execution.parallelism', 0), /spec\.execution\.parallelism: Invalid value/],
    ['too many retries', bad('b21', 'spec.execution.retries', 11), /spec\.execution\.retries: Invalid value/],
    ['cpu not a quantity', bad('b22', 'spec.execution.resources', { requests: { cpu: 'lots' } }), /spec\.execution\.resources\.requests\.cpu: Invalid value/],
    ['request above limit', bad('b23', 'spec.execution.resources', { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } }), /spec\.execution\.resources\.requests\.memory: Invalid value.*must not exceed limits\.memory/],
    ['Exists toleration with a value', bad('b24', 'spec.execution.tolerations', [{ key: 'k', operator: 'Exists', value: 'v' }]), /spec\.execution\.tolerations\[0\]\.value: Invalid value.*operator Exists/],
    ['tolerationSeconds without NoExecute', bad('b25', 'spec.execution.tolerations', [{ key: 'k', tolerationSeconds: 5 }]), /spec\.execution\.tolerations\[0\]\.tolerationSeconds: Invalid value/],
    ['queue name with a space', bad('b26', 'spec.execution.queueName', 'team a'), /spec\.execution\.queueName: Invalid value/],
    ['deadline zero', bad('b27', 'spec.execution.activeDeadlineSeconds', 0), /spec\.execution\.activeDeadlineSeconds: Invalid value/],
    ['too many node selector labels', bad('b28', 'spec.execution.nodeSelector', Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))), /spec\.execution\.nodeSelector: Too many/],
    ['empty store', bad('b29', 'spec.output.store', ''), /spec\.output\.store: Invalid value/],
    ['name not a DNS label', { ...valid('x'), metadata: { name: `${'a'.repeat(60)}.bcd` } }, /must be a DNS label/],
    ['wrong type for retries', bad('b31', 'spec.execution.retries', 'two'), /spec\.execution\.retries: Invalid value: "string"/],
  ];

  it.each(table)('rejects: %s', async (_what, doc, expected) => {
    expect(table.length).toBeGreaterThanOrEqual(20);
    const r = await apply(doc);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(expected);
  });

  it('the sweep and scenario are immutable after creation', async () => {
    const ok = await apply(valid('frozen'));
    expect(ok.code, ok.stderr).toBe(0);
    const seeds = bad('frozen', 'spec.sweep.seeds', { base: 8, replicas: 2 });
    const r1 = await apply(seeds);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toMatch(/spec\.sweep: Forbidden: spec\.sweep is immutable/);
    const r2 = await apply(bad('frozen', 'spec.scenario.horizon', { time: 5 }));
    expect(r2.stderr).toMatch(/spec\.scenario: Forbidden: spec\.scenario is immutable/);
    // Module config is schemaless to the API server; CEL sees whether it changed all the same.
    const cfg = valid('frozen');
    ((cfg.spec['scenario'] as { modules: { config: Record<string, unknown> }[] }).modules[1]!.config)['rate'] = 0.9;
    const r4 = await apply(cfg);
    expect(r4.code).not.toBe(0);
    expect(r4.stderr).toMatch(/spec\.scenario: Forbidden/);
    const grid = bad('frozen', 'spec.sweep.grid', [{ param: 'arrivals.rate', values: [0.3, 0.6] }]);
    const r5 = await apply(grid);
    expect(r5.stderr).toMatch(/spec\.sweep: Forbidden/);
    // Execution hints may change (that is how suspend and resume work).
    const r3 = await apply(bad('frozen', 'spec.execution.suspend', true));
    expect(r3.code, r3.stderr).toBe(0);
  });
});
