import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { SwarmlabError } from '../errors.ts';
import { checkKey, isFileBody, toBuffer, type FileBody, type ObjectStore, type StoredObject } from './store.ts';

export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
  /** Custom endpoint for S3-compatible servers (MinIO); unset for AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
}

/**
 * S3 (or any S3-compatible server). Write-once is PutObject with
 * `If-None-Match: *`: the server answers 412 if the key exists, so two
 * writers can never both create it. Credentials come from the SDK's default
 * chain (IRSA, Pod Identity, environment): never from the spec.
 */
type Sdk = typeof import('@aws-sdk/client-s3');

export class S3Store implements ObjectStore {
  readonly uri: string;
  private readonly loc: S3Location;
  private readonly clientConfig: S3ClientConfig;
  private connection: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  constructor(loc: S3Location, clientConfig: S3ClientConfig = {}) {
    this.loc = loc;
    this.uri = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    this.clientConfig = clientConfig;
  }

  // The SDK is large: load it on first use, so file:// runs and worker start-up never pay for it.
  private connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.connection ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: this.makeClient(sdk) }));
    return this.connection;
  }

  private makeClient(sdk: Sdk): S3Client {
    const loc = this.loc;
    return new sdk.S3Client({
      region: loc.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(loc.endpoint ? { endpoint: loc.endpoint } : {}),
      forcePathStyle: loc.forcePathStyle ?? loc.endpoint !== undefined,
      // Flexible checksums are optional in S3 and not every compatible server takes them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 5,
      ...this.clientConfig,
    });
  }

  private full(key: string): string {
    checkKey(key);
    return this.loc.prefix ? `${this.loc.prefix}/${key}` : key;
  }

  uriFor(key: string): string {
    return `s3://${this.loc.bucket}/${this.full(key)}`;
  }

  async putIfAbsent(key: string, body: string | Uint8Array | FileBody, sha256?: string): Promise<'created' | 'identical'> {
    const file = isFileBody(body) ? body : undefined;
    const bytes = isFileBody(body) ? undefined : toBuffer(body);
    // S3 rejects the upload (400 BadDigest) if what arrived is not these bytes.
    const hex = file?.sha256 ?? sha256 ?? createHash('sha256').update(bytes as Buffer).digest('hex');
    const checksum = Buffer.from(hex, 'hex').toString('base64');
    for (let attempt = 0; ; attempt++) {
      try {
        const { sdk, client } = await this.connect();
        // A file is streamed from disk (a new stream for each attempt), with its length: one PUT, never the whole file in memory.
        const upload = file ? { Body: createReadStream(file.path), ContentLength: file.size } : { Body: bytes };
        await client.send(new sdk.PutObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key), ...upload, IfNoneMatch: '*', ChecksumSHA256: checksum }));
        return 'created';
      } catch (e) {
        const status = httpStatus(e);
        // 409: a concurrent conditional write is in flight; it settles quickly.
        if (status === 409 && attempt < 5) {
          await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          continue;
        }
        if (status !== 412) throw this.wrap(e, key);
        if (file) {
          // The stored object's checksum when S3 kept one, else its bytes hashed.
          const stored = await this.stat(key);
          const storedHex = stored?.sha256 ?? (await this.get(key).then((b) => (b === undefined ? undefined : createHash('sha256').update(b).digest('hex'))));
          if (stored?.size === file.size && storedHex === file.sha256) return 'identical';
        } else if ((await this.get(key))?.equals(bytes as Buffer)) return 'identical';
        throw new SwarmlabError('OUTPUT_CONFLICT', `final key ${key} already holds different bytes; it is never overwritten`, { file: this.uriFor(key) });
      }
    }
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    const bytes = toBuffer(body);
    try {
      const { sdk, client } = await this.connect();
      // With its checksum, as final keys: S3 verifies what arrived, and stat() can answer without reading it back.
      const checksum = createHash('sha256').update(bytes).digest('base64');
      await client.send(new sdk.PutObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key), Body: bytes, ChecksumSHA256: checksum }));
    } catch (e) {
      throw this.wrap(e, key);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const { sdk, client } = await this.connect();
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key) }));
      return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw this.wrap(e, key);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    let bytes: Uint8Array;
    try {
      const { sdk, client } = await this.connect();
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key), Range: `bytes=${start}-${end - 1}` }));
      bytes = await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    } catch (e) {
      throw this.wrap(e, key);
    }
    // A range past the end comes back short (or as 416, an error above).
    if (bytes.byteLength !== end - start) throw new SwarmlabError('STORE_ERROR', `cannot read bytes ${start}-${end - 1} of ${key}: got ${bytes.byteLength} bytes`, { file: this.uriFor(key) });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    try {
      const { sdk, client } = await this.connect();
      const out = await client.send(new sdk.HeadObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key), ChecksumMode: 'ENABLED' }));
      // A multipart upload's checksum is of its parts ("...-N"), not of the object: not a sha256 of the bytes.
      const checksum = out.ChecksumSHA256 !== undefined && !out.ChecksumSHA256.includes('-') ? Buffer.from(out.ChecksumSHA256, 'base64').toString('hex') : undefined;
      return { size: out.ContentLength ?? 0, ...(checksum?.length === 64 ? { sha256: checksum } : {}) };
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw this.wrap(e, key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const base = this.loc.prefix ? `${this.loc.prefix}/` : '';
    let token: string | undefined;
    try {
      const { sdk, client } = await this.connect();
      do {
        const out = await client.send(
          new sdk.ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: base + prefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(base.length));
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw this.wrap(e, prefix);
    }
    return keys.sort();
  }

  // Write access is granted per bucket and key prefix, and the store's prefix
  // is the narrowest one a role names, so the probe stays at the store's root
  // instead of adding a key to a result set.
  async check(_prefix: string): Promise<void> {
    const key = `.swarmlab-write-check`;
    try {
      const { sdk, client } = await this.connect();
      await client.send(new sdk.PutObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key), Body: 'ok' }));
    } catch (e) {
      // Before any run: the store as given cannot be used (not retried); later failures are STORE_ERROR (retried).
      throw this.wrap(e, key, 'STORE_UNAVAILABLE');
    }
  }

  private wrap(e: unknown, key: string, code: 'STORE_ERROR' | 'STORE_UNAVAILABLE' = 'STORE_ERROR'): SwarmlabError {
    if (e instanceof SwarmlabError) return e;
    const status = httpStatus(e);
    const name = e instanceof Error ? e.name : 'Error';
    const message = e instanceof Error ? e.message : String(e);
    return new SwarmlabError(code, `${name}${status ? ` (HTTP ${status})` : ''}: ${message}`, {
      file: this.uriFor(key),
      hint: 'check the bucket, endpoint and credentials (AWS_* environment, IRSA or Pod Identity)',
      cause: e,
    });
  }
}

function httpStatus(e: unknown): number | undefined {
  const meta = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode;
}
