import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { distinctPorts } from './control-plane.ts';
import { ManagedProcess, probe, waitUntil } from './processes.ts';
import { binaryPath, binDir } from './versions.ts';

/** Everything a client needs to reach the store; plain data so it can cross vitest's provide/inject. */
export interface ObjectStoreInfo {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** true when the harness started this MinIO (false for SWARMLAB_TEST_S3_* targets). */
  local: boolean;
}

export interface LocalObjectStore extends ObjectStoreInfo {
  logDir: string | undefined;
  stop(opts?: { keepLogs?: boolean }): Promise<void>;
}

export interface StartObjectStoreOptions {
  dir?: string;
  binDir?: string;
  bucket?: string;
  timeoutMs?: number;
  verbose?: boolean;
  /** Listen address (default 127.0.0.1); pods of a real node need the host end of its veth (node-network.ts). */
  bindAddress?: string;
}

/**
 * An S3 client configured for MinIO: path-style addressing, and checksums
 * only when an operation requires them (the SDK's default CRC32 headers are
 * not understood by every S3-compatible server).
 */
export function s3ClientFor(info: ObjectStoreInfo): S3Client {
  return new S3Client({
    endpoint: info.endpoint,
    region: info.region,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Connection info from SWARMLAB_TEST_S3_* env vars, if SWARMLAB_TEST_S3_ENDPOINT is set. */
export function objectStoreFromEnv(env: NodeJS.ProcessEnv = process.env): ObjectStoreInfo | undefined {
  const endpoint = env['SWARMLAB_TEST_S3_ENDPOINT'];
  if (endpoint === undefined || endpoint === '') return undefined;
  const need = (k: string): string => {
    const v = env[k];
    if (v === undefined || v === '') throw new Error(`SWARMLAB_TEST_S3_ENDPOINT is set, so ${k} must be set too`);
    return v;
  };
  return {
    endpoint,
    region: env['SWARMLAB_TEST_S3_REGION'] ?? 'us-east-1',
    accessKeyId: need('SWARMLAB_TEST_S3_ACCESS_KEY_ID'),
    secretAccessKey: need('SWARMLAB_TEST_S3_SECRET_ACCESS_KEY'),
    bucket: need('SWARMLAB_TEST_S3_BUCKET'),
    local: false,
  };
}

/** Starts MinIO on 127.0.0.1 (or `bindAddress`) with generated credentials and creates one bucket. */
export async function startObjectStore(opts: StartObjectStoreOptions = {}): Promise<LocalObjectStore> {
  const bins = opts.binDir ?? binDir();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'swarmlab-minio-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const [port, consolePort] = (await distinctPorts(2)) as [number, number];
  const accessKeyId = `swarmlab-${randomBytes(4).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  const endpoint = `http://${bindAddress}:${port}`;
  const minio = new ManagedProcess(
    'minio',
    binaryPath('minio', bins),
    ['server', join(dir, 'data'), `--address=${bindAddress}:${port}`, `--console-address=127.0.0.1:${consolePort}`, '--quiet'],
    join(logDir, 'minio.log'),
    {
      ...process.env,
      MINIO_ROOT_USER: accessKeyId,
      MINIO_ROOT_PASSWORD: secretAccessKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      // Keeps MinIO from phoning home or probing the network at startup.
      MINIO_CALLHOME_ENABLE: 'off',
    },
  );
  try {
    if (opts.verbose === true) process.stderr.write(`[cluster] minio on ${endpoint}\n`);
    await waitUntil('minio /minio/health/ready', async () => (await probe(`${endpoint}/minio/health/ready`)).status === 200, {
      timeoutMs: opts.timeoutMs ?? 60_000,
      processes: [minio],
    });
    const info: ObjectStoreInfo = {
      endpoint,
      region: 'us-east-1',
      accessKeyId,
      secretAccessKey,
      bucket: opts.bucket ?? 'swarmlab-test',
      local: true,
    };
    const s3 = s3ClientFor(info);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: info.bucket }));
      await s3.send(new HeadBucketCommand({ Bucket: info.bucket }));
    } finally {
      s3.destroy();
    }
    let stopped = false;
    return {
      ...info,
      logDir,
      async stop(stopOpts = {}) {
        if (stopped) return;
        stopped = true;
        await minio.stop();
        if (stopOpts.keepLogs === true) rmSync(join(dir, 'data'), { recursive: true, force: true });
        else if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await minio.stop();
    throw new Error(`MinIO failed to start; logs kept in ${logDir}\n${(err as Error).message}`, { cause: err });
  }
}
