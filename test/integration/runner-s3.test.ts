// The runner against a real S3-compatible server (MinIO): write-once through
// If-None-Match, `swarmlab run` into s3://, `swarmlab validate` on the s3://
// URI, and tamper detection on the stored copy.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../cluster/harness.ts';
import { storeEnv, swarmlab } from '../cluster/local-cli.ts';
import { S3Store } from 'swarmlab';

const cluster = useCluster('runner-s3');


const experiment = `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: s3-sweep }
spec:
  scenario:
    modules:
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.6, target: server } }
      - { kind: agent, module: service-queue, name: server }
    horizon: { time: 200 }
  sweep:
    seeds: { base: 2, replicas: 2 }
    grid: [{ param: arrivals.rate, values: [0.3, 0.6] }]
`;

describe('runner with an S3 store', () => {
  it('writes final keys once: identical bytes are a no-op, different bytes a conflict', async () => {
    const s = cluster.connection.objectStore;
    const store = new S3Store({ bucket: s.bucket, prefix: `${cluster.namespace}/once`, endpoint: s.endpoint, region: s.region || 'us-east-1' }, {
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    });
    expect(await store.putIfAbsent('k.txt', 'one')).toBe('created');
    expect(await store.putIfAbsent('k.txt', 'one')).toBe('identical');
    await expect(store.putIfAbsent('k.txt', 'two')).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT' });
    expect((await store.get('k.txt'))?.toString()).toBe('one');
    expect(await store.list('')).toEqual(['k.txt']);
  });

  it('stat answers the size and the SHA-256 S3 verified at upload, without the bytes; none for an object written without one', async () => {
    const s = cluster.connection.objectStore;
    const store = new S3Store({ bucket: s.bucket, prefix: `${cluster.namespace}/stat`, endpoint: s.endpoint, region: s.region || 'us-east-1' }, {
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    });
    await store.putIfAbsent('final.txt', 'final bytes');
    expect(await store.stat('final.txt')).toEqual({ size: 11, sha256: createHash('sha256').update('final bytes').digest('hex') });
    await store.put('rewritable.txt', 'provenance');
    expect(await store.stat('rewritable.txt')).toEqual({ size: 10, sha256: createHash('sha256').update('provenance').digest('hex') });
    await cluster.s3().send(new PutObjectCommand({ Bucket: s.bucket, Key: `${cluster.namespace}/stat/plain.txt`, Body: 'plain' }));
    expect(await store.stat('plain.txt')).toEqual({ size: 5 });
    expect(await store.stat('absent.txt')).toBeUndefined();
  });

  it('reads a byte range of an object, and refuses one past its end or of a missing object', async () => {
    const s = cluster.connection.objectStore;
    const store = new S3Store({ bucket: s.bucket, prefix: `${cluster.namespace}/range`, endpoint: s.endpoint, region: s.region || 'us-east-1' }, {
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    });
    await store.putIfAbsent('metrics.parquet', '0123456789');
    expect((await store.getRange('metrics.parquet', 2, 5)).toString()).toBe('234');
    expect((await store.getRange('metrics.parquet', 0, 10)).toString()).toBe('0123456789');
    expect((await store.getRange('metrics.parquet', 4, 4)).length).toBe(0);
    await expect(store.getRange('metrics.parquet', 8, 12)).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await expect(store.getRange('absent.parquet', 0, 1)).rejects.toMatchObject({ code: 'STORE_ERROR' });
  });

  it('refuses bytes that do not match the sha256 sent with them, and stores nothing', async () => {
    const s = cluster.connection.objectStore;
    const store = new S3Store({ bucket: s.bucket, prefix: `${cluster.namespace}/checksum`, endpoint: s.endpoint, region: s.region || 'us-east-1' }, {
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    });
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    await expect(store.putIfAbsent('bad.txt', 'what arrived', sha256('what was meant'))).rejects.toThrow(/sha256|checksum|digest/i);
    expect(await store.get('bad.txt')).toBeUndefined();
    expect(await store.putIfAbsent('good.txt', 'same', sha256('same'))).toBe('created');
  });

  it('runs a sweep into s3://, validates it there, and catches a tampered object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-s3-'));
    writeFileSync(join(dir, 'exp.yaml'), experiment);
    const { bucket } = cluster.connection.objectStore;
    const uri = `s3://${bucket}/${cluster.namespace}/results`;
    const run = await swarmlab(['run', join(dir, 'exp.yaml'), '--store', uri, '--json'], storeEnv(cluster));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { succeeded: number; results: string; manifestDigest: string };
    expect(out.succeeded).toBe(4);
    expect(out.results).toMatch(new RegExp(`^s3://${bucket}/${cluster.namespace}/results/s3-sweep/[0-9a-f]{16}$`));

    const ok = await swarmlab(['validate', out.results], storeEnv(cluster));
    expect(ok.stdout).toContain(`valid: 4 runs, manifest digest ${out.manifestDigest}`);
    expect(ok.code).toBe(0);

    // Same spec into a local directory: the same digest.
    const local = await swarmlab(['run', join(dir, 'exp.yaml'), '--store', `file://${dir}/local`, '--json'], storeEnv(cluster));
    expect(JSON.parse(local.stdout).manifestDigest).toBe(out.manifestDigest);

    const s3 = cluster.s3();
    const key = `${out.results.slice(`s3://${bucket}/`.length)}/runs/run-000002/metrics.parquet`;
    const original = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
    // Same size, with the checksum of the new bytes: only the checksum S3 keeps tells resume it changed.
    const tampered = Uint8Array.from(original);
    tampered[tampered.length >> 1] = (tampered[tampered.length >> 1] as number) ^ 0xff;
    const checksum = createHash('sha256').update(tampered).digest('base64');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: tampered, ChecksumSHA256: checksum }));
    const bad = await swarmlab(['validate', out.results], storeEnv(cluster));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/run-000002\/metrics\.parquet: sha256 .* does not match/);

    // Resume does not keep it: the run is failed (write-once: the changed object is reported, not overwritten).
    const again = await swarmlab(['run', join(dir, 'exp.yaml'), '--store', uri, '--json'], storeEnv(cluster));
    expect(again.code, again.stderr).toBe(1);
    const res = JSON.parse(again.stdout) as { succeeded: number; resumed: number; failed: number; failures: { index: number; code: string; message: string }[] };
    expect(res).toMatchObject({ succeeded: 3, resumed: 3, failed: 1 });
    expect(res.failures).toEqual([expect.objectContaining({ index: 2, code: 'OUTPUT_CONFLICT', message: expect.stringMatching(/metrics\.parquet: sha256 [0-9a-f]{64}, recorded/) })]);
    expect(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()).equals(Buffer.from(tampered))).toBe(true);
  });
});
