// What the pinned kubectl and the real API server do with the mistakes the
// runner refuses: an unknown key anywhere in the Experiment (outside metadata
// and module configs) is refused by `kubectl apply`'s strict field validation,
// and kubectl's own YAML reading (YAML 1.1) is what the runner's
// kubectl-compatible reader says it is.
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { goYamlV2Plain } from '../../runner/src/spec/kubectl-yaml.ts';
import { installExperimentCrd } from '../cluster/operator-fixture.ts';
import { useCluster } from '../cluster/harness.ts';

const cluster = useCluster('strict-kubectl');

function experiment(name: string): Record<string, unknown> {
  return {
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name, labels: { team: 'a' } },
    spec: {
      scenario: {
        modules: [{ kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.5 } }],
        latency: [{ name: 'transit', model: 'fixed', value: 1 }],
        horizon: { time: 10 },
      },
      sweep: { seeds: { base: 1, replicas: 1 }, grid: [{ param: 'arrivals.rate', values: [0.5] }] },
      execution: { retries: 0, resources: { requests: { cpu: '100m' } }, tolerations: [{ key: 'a', operator: 'Exists' }] },
      output: { store: 'file://./results' },
    },
  };
}

beforeAll(async () => {
  await installExperimentCrd(cluster);
});

describe('kubectl apply on the local control plane refuses the typos the runner refuses', () => {
  it('accepts the document without typos (metadata keeps its Kubernetes fields)', async () => {
    const r = await cluster.kubectl(['apply', '--dry-run=server', '-n', cluster.namespace, '-f', '-'], { input: stringify(experiment('clean')) });
    expect(r.code, r.stderr).toBe(0);
  });

  // [what, where the unknown key goes, the key]; the API server names the field by its path.
  const typos: [string, (string | number)[], string][] = [
    ['spec.sweep.gird', ['spec', 'sweep'], 'gird'],
    ['spec.sweeep', ['spec'], 'sweeep'],
    ['module entry confg', ['spec', 'scenario', 'modules', 0], 'confg'],
    ['bogus beside a module config', ['spec', 'scenario', 'modules', 0], 'bogus'],
    ['latency rule', ['spec', 'scenario', 'latency', 0], 'sclae'],
    ['horizon', ['spec', 'scenario', 'horizon'], 'tme'],
    ['seeds', ['spec', 'sweep', 'seeds'], 'replica'],
    ['grid axis', ['spec', 'sweep', 'grid', 0], 'step'],
    ['execution', ['spec', 'execution'], 'paralelism'],
    ['resources', ['spec', 'execution', 'resources', 'requests'], 'mem'],
    ['tolerations', ['spec', 'execution', 'tolerations', 0], 'efect'],
    ['output', ['spec', 'output'], 'stor'],
    ['a YAML 1.1 boolean key (y:, on:) as kubectl sends it', ['spec', 'sweep'], 'true'],
  ];
  for (const [what, at, key] of typos) {
    it(what, async () => {
      const doc = experiment('typo');
      let node = doc as Record<string | number, unknown>;
      for (const step of at) node = node[step] as Record<string | number, unknown>;
      node[key] = 1;
      const r = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', '-'], { input: stringify(doc) });
      expect(r.code).not.toBe(0);
      const field = at.reduce<string>((p, step) => (typeof step === 'number' ? `${p}[${step}]` : p ? `${p}.${step}` : step), '');
      expect(r.stderr).toContain(`unknown field "${field}.${key}"`);
    });
  }
});

describe('kubectl reads YAML the way goYamlV2Plain says', () => {
  // Each scalar goes into a module config (preserve-unknown-fields, so the API server keeps whatever kubectl sends) as
  // a key and as a value; `kubectl annotate --local -o json` prints what kubectl made of the file without sending it.
  const values = ['.5_0', '._5', '.5_', '.5e1_0', '.5e400', '.5e-400', '.5__0', '.5e_1', '.5E+1', 'n', 'N', 'no', 'NO', 'off', 'y', 'Yes', 'on', 'ON', 'true', 'False', '0777', '0o17', '0x1F', '-0x1F', '0b101', '-0b11', '1_000', '+12', '08', '1.', '.5', '1e3', '1_0.5', '1:20', '2001-12-14', '=', 'nope', 'n-1', '0.0.1', '1e400', '0x_1F', '+0x1F', '0B11', '0XFF', '-0o7', '1__0', '_1', '1_', '0_7', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616', '1.5e', '+.5', '-.5e3', '.e3', '.5_0', '2001-12-14T21:59:43.10Z', '0.', '00', '-0', '+0', '0e0', '1E3', '1e+3', 'TRUE', 'tRUE', 'yES', 'Null', 'NULL', 'nULL'];
  // Keys that stay distinct once read (n and no would both be false).
  const keys = ['n', 'y', '0777', '0x1F', '1_000', '1:20', 'nope', 'n-1'];

  it('for keys and values alike', async () => {
    const valueLines = values.map((s, i) => `          v${i}: ${s}`).join('\n');
    const keyLines = keys.map((s, i) => `          ${s}: k${i}`).join('\n');
    const text = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: oracle }
spec:
  scenario:
    modules:
      - kind: agent
        module: values
        config:
${valueLines}
      - kind: agent
        module: keys
        config:
${keyLines}
    horizon: { time: 1 }
`;
    const r = await cluster.kubectl(['annotate', '--local', '-o', 'json', '-f', '-', 'read=by-kubectl'], { input: text });
    expect(r.code, r.stderr).toBe(0);
    const read = JSON.parse(r.stdout) as { spec: { scenario: { modules: { config: Record<string, unknown> }[] } } };
    const [valued, keyed] = read.spec.scenario.modules;
    values.forEach((s, i) => expect(valued!.config[`v${i}`], s).toEqual(goYamlV2Plain(s)));
    expect(Object.keys(keyed!.config).sort()).toEqual(keys.map((s) => String(goYamlV2Plain(s))).sort());
  });
});
