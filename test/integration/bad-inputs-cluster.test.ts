// The bad-input case files on the local control plane. Those marked `cluster: rejected` are refused by
// the API server itself: `kubectl apply` (strict field validation, the served CRD schema) fails and
// names the field. Those marked `cluster: invalid` are stored, and the operator marks them Invalid
// with an InvalidSpec condition naming the code and the field, before it creates anything for them.
import { beforeAll, describe, expect, it } from 'vitest';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { experimentStatus, installExperimentCrd, useTestOperator } from '../cluster/operator-fixture.ts';
import { limiter, loadCases, validExperimentYaml } from '../unit/bad-input-cases.ts';

const cluster = useCluster('bad-inputs');
const atMostFour = limiter(4);
const cases = loadCases();
const rejected = cases.filter(({ parsed }) => parsed instanceof Error || parsed.cluster === 'rejected');
const invalid = cases.filter(({ parsed }) => !(parsed instanceof Error) && parsed.cluster === 'invalid');

describe('bad-input case files on the local control plane', () => {
  beforeAll(async () => {
    await installExperimentCrd(cluster);
  });

  it('has case files the control plane must reject, and accepts a valid Experiment applied the same way (control)', async () => {
    expect(rejected.length).toBeGreaterThan(0);
    const valid = validExperimentYaml('bad-inputs-control');
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

describe('bad-input case files the operator marks Invalid', () => {
  useTestOperator(cluster);

  it('has such case files', () => {
    expect(invalid.length).toBeGreaterThan(0);
  });

  it.concurrent.each(invalid)('$name: InvalidSpec names the code and the field, and no Job is created', async ({ parsed }) => {
    if (parsed instanceof Error) throw parsed;
    const applied = await atMostFour(() => cluster.kubectl(['apply', '--validate=strict', '-n', cluster.namespace, '-f', parsed.file]));
    expect(applied.code, applied.stderr).toBe(0);
    const name = /^experiment\.swarmlab\.io\/(\S+) /m.exec(applied.stdout)?.[1] ?? '';
    const status = await waitFor(`${name} to be Invalid`, async () => {
      const s = await experimentStatus(cluster, name);
      return s?.phase === 'Invalid' ? s : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    const why = status.conditions?.find((c) => c.type === 'InvalidSpec');
    expect(why?.status).toBe('True');
    expect(why?.message).toMatch(new RegExp(`^${parsed.code}: `));
    if (parsed.path !== undefined) expect(why?.message).toContain(`${parsed.path}:`);
    const jobs = await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: `swarmlab.io/experiment=${name}` });
    expect(jobs.items).toEqual([]);
  });
});
