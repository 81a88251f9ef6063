// The store's write-once rule relies on conditional writes: PutObject with
// If-None-Match: * must fail with 412 when the key already exists.
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../cluster/harness.ts';

const cluster = useCluster('cluster-s3');

describe('object store', () => {
  it('honours If-None-Match: * on PutObject (second put is 412 PreconditionFailed)', async () => {
    const s3 = cluster.s3();
    const { bucket } = cluster.connection.objectStore;
    const key = `${cluster.namespace}/write-once.txt`;

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first', IfNoneMatch: '*' }));

    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'second', IfNoneMatch: '*' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(second).toBeInstanceOf(S3ServiceException);
    const err = second as S3ServiceException;
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect(err.name).toBe('PreconditionFailed');

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('first');

    // Without the condition the same key is overwritten: the 412 came from the header.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'third' }));
    const again = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await again.Body?.transformToString()).toBe('third');
  });
});
