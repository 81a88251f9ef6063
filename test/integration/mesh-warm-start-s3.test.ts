// A mesh router warm-started from Q-tables stored in S3 (MinIO): `swarmlab run`
// trains into s3://, a second experiment names that result set, run and the
// Q-tables' sha256, and runs from them, into s3:// and into a local store with
// the same digest; a wrong sha256 is refused at its field before any run.
// Applied to the cluster, a reference to a run that is not there makes the
// Experiment Invalid at admission, naming the field, and no Job is created.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { experimentStatus, useTestOperator } from '../cluster/operator-fixture.ts';
import { storeEnv, swarmlab } from '../cluster/local-cli.ts';

const cluster = useCluster('mesh-warm-start-s3');


const experiment = (name: string, warmStart = '') => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: ${name} }
spec:
  scenario:
    modules:
      - { kind: network, module: watts-strogatz, name: mesh, config: { size: 6, k: 2, beta: 0.2 } }
      - { kind: agent, module: mesh-workload, name: workload, config: { targets: [router], rate: 10, amplitude: 0 } }
      - { kind: agent, module: mesh-providers, name: providers, config: { router: router } }
      - kind: agent
        module: mesh-router
        name: router
        config:
          agents: 6
          network: mesh
          episodes: 3${warmStart}
    horizon: { time: 30 }
  sweep:
    seeds: { base: 5, replicas: 2 }
  output:
    trace: { level: final }
`;

describe('mesh warm start from an S3 store', () => {
  it('trains into s3://, runs from the stored Q-tables reproducibly, and refuses another hash', { timeout: 300_000 }, async () => {
    const s = cluster.connection.objectStore;
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-warm-s3-'));
    const uri = `s3://${s.bucket}/${cluster.namespace}/results`;
    writeFileSync(join(dir, 'train.yaml'), experiment('mesh-train'));
    const train = await swarmlab(['run', join(dir, 'train.yaml'), '--store', uri, '--json'], storeEnv(cluster));
    expect(train.code, train.stderr).toBe(0);
    const results = (JSON.parse(train.stdout) as { results: string }).results;
    const record = await cluster.s3().send(new GetObjectCommand({ Bucket: s.bucket, Key: `${results.slice(`s3://${s.bucket}/`.length)}/runs/run-000001/run.json` }));
    const files = (JSON.parse(await record.Body!.transformToString()) as { files: { name: string; sha256: string }[] }).files;
    const sha256 = files.find((f) => f.name === 'qtables.json')!.sha256;

    const ref = (hash: string) => `\n          warmStart: { results: "${results}", run: run-000001, sha256: "${hash}" }`;
    writeFileSync(join(dir, 'warm.yaml'), experiment('mesh-warm', ref(sha256)));
    const warm = await swarmlab(['run', join(dir, 'warm.yaml'), '--store', uri, '--json'], storeEnv(cluster));
    expect(warm.code, warm.stderr).toBe(0);
    const local = await swarmlab(['run', join(dir, 'warm.yaml'), '--store', `file://${dir}/local`, '--json'], storeEnv(cluster));
    expect(local.code, local.stderr).toBe(0);
    expect((JSON.parse(local.stdout) as { manifestDigest: string }).manifestDigest).toBe((JSON.parse(warm.stdout) as { manifestDigest: string }).manifestDigest);
    expect((await swarmlab(['validate', (JSON.parse(warm.stdout) as { results: string }).results], storeEnv(cluster))).code).toBe(0);

    writeFileSync(join(dir, 'wrong.yaml'), experiment('mesh-wrong', ref('c'.repeat(64))));
    const wrong = await swarmlab(['run', join(dir, 'wrong.yaml'), '--store', uri], storeEnv(cluster));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('INVALID_SPEC: spec.scenario.modules[3].config.warmStart.sha256');
  });
});

describe('mesh warm start applied to a cluster', () => {
  useTestOperator(cluster);

  it('a reference to a run the result set does not have is refused at admission, naming the field, with no Job', { timeout: 120_000 }, async () => {
    const s = cluster.connection.objectStore;
    const missing = `\n          warmStart: { results: "s3://${s.bucket}/${cluster.namespace}/no-such-results", run: run-000001, sha256: "${'c'.repeat(64)}" }`;
    const applied = await cluster.kubectl(['apply', '--validate=strict', '-n', cluster.namespace, '-f', '-'], { input: experiment('mesh-missing', missing) });
    expect(applied.code, applied.stderr).toBe(0);
    const status = await waitFor('mesh-missing to be Invalid', async () => {
      const st = await experimentStatus(cluster, 'mesh-missing');
      return st?.phase === 'Invalid' ? st : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    const why = status.conditions?.find((c) => c.type === 'InvalidSpec');
    expect(why).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(why?.message).toContain('INVALID_SPEC: spec.scenario.modules[3].config.warmStart.run: ');
    const jobs = await cluster.batch.listNamespacedJob({ namespace: cluster.namespace, labelSelector: 'swarmlab.io/experiment=mesh-missing' });
    expect(jobs.items).toEqual([]);
  });
});
