// The bad-input case files marked `cluster: rejected` are refused by the local control plane itself:
// `kubectl apply` (strict field validation, the served CRD schema) fails and names the field.
import { beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from '../cluster/harness.ts';
import { installExperimentCrd } from '../cluster/operator-fixture.ts';
import { limiter, loadCases } from '../unit/bad-input-cases.ts';

const cluster = useCluster('bad-inputs');
const atMostFour = limiter(4);
const rejected = loadCases().filter(({ parsed }) => parsed instanceof Error || parsed.cluster === 'rejected');

describe('bad-input case files on the local control plane', () => {
  beforeAll(async () => {
    await installExperimentCrd(cluster);
  });

  it('has case files the control plane must reject, and accepts a valid Experiment applied the same way (control)', async () => {
    expect(rejected.length).toBeGreaterThan(0);
    const valid = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: bad-inputs-control
spec:
  scenario:
    modules:
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.7, target: server } }
      - { kind: agent, module: service-queue, name: server, config: { serviceRate: 1.0 } }
    horizon: { time: 10 }
  sweep:
    seeds: { base: 1, replicas: 2 }
`;
    const r = await cluster.kubectl(['apply', '--validate=strict', '-n', cluster.namespace, '-f', '-'], { input: valid });
    expect(r, r.stderr).toMatchObject({ code: 0 });
  });

  it.concurrent.each(rejected)('kubectl apply refuses $name', async ({ parsed }) => {
    if (parsed instanceof Error) throw parsed;
    const r = await atMostFour(() => cluster.kubectl(['apply', '--validate=strict', '-n', cluster.namespace, '-f', parsed.file]));
    expect({ code: r.code, stdout: r.stdout }, `accepted: ${r.stdout}`).not.toMatchObject({ code: 0 });
    // The API server names a field by its last key (unknown fields) or its full path (schema violations).
    if (parsed.path !== undefined) expect(r.stderr).toContain(parsed.path.split('.').pop()?.replace(/\[\d+\]$/, ''));
  });
});
