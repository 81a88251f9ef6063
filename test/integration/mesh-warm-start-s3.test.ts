// A mesh router warm-started from Q-tables stored in S3 (MinIO): `swarmlab run`
// trains into s3://, a second experiment names that result set, run and the
// Q-tables' sha256, and runs from them, into s3:// and into a local store with
// the same digest; a wrong sha256 is refused at its field before any run.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../cluster/harness.ts';

const cluster = useCluster('mesh-warm-start-s3');
const bin = fileURLToPath(new URL('../../bin/swarmlab.js', import.meta.url));

function env(): NodeJS.ProcessEnv {
  const s = cluster.connection.objectStore;
  return { ...process.env, AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey, AWS_REGION: s.region || 'us-east-1', SWARMLAB_S3_ENDPOINT: s.endpoint };
}

function swarmlab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { env: env() });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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
    const train = await swarmlab(['run', join(dir, 'train.yaml'), '--store', uri, '--json']);
    expect(train.code, train.stderr).toBe(0);
    const results = (JSON.parse(train.stdout) as { results: string }).results;
    const record = await cluster.s3().send(new GetObjectCommand({ Bucket: s.bucket, Key: `${results.slice(`s3://${s.bucket}/`.length)}/runs/run-000001/run.json` }));
    const files = (JSON.parse(await record.Body!.transformToString()) as { files: { name: string; sha256: string }[] }).files;
    const sha256 = files.find((f) => f.name === 'qtables.json')!.sha256;

    const ref = (hash: string) => `\n          warmStart: { results: "${results}", run: run-000001, sha256: "${hash}" }`;
    writeFileSync(join(dir, 'warm.yaml'), experiment('mesh-warm', ref(sha256)));
    const warm = await swarmlab(['run', join(dir, 'warm.yaml'), '--store', uri, '--json']);
    expect(warm.code, warm.stderr).toBe(0);
    const local = await swarmlab(['run', join(dir, 'warm.yaml'), '--store', `file://${dir}/local`, '--json']);
    expect(local.code, local.stderr).toBe(0);
    expect((JSON.parse(local.stdout) as { manifestDigest: string }).manifestDigest).toBe((JSON.parse(warm.stdout) as { manifestDigest: string }).manifestDigest);
    expect((await swarmlab(['validate', (JSON.parse(warm.stdout) as { results: string }).results])).code).toBe(0);

    writeFileSync(join(dir, 'wrong.yaml'), experiment('mesh-wrong', ref('c'.repeat(64))));
    const wrong = await swarmlab(['run', join(dir, 'wrong.yaml'), '--store', uri]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('INVALID_SPEC: spec.scenario.modules[3].config.warmStart.sha256');
  });
});
