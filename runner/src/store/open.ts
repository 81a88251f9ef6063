import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwarmlabError } from '../errors.ts';
import { FileStore } from './file-store.ts';
import { S3Store } from './s3-store.ts';
import type { ObjectStore } from './store.ts';

/**
 * Opens `file://DIR` (relative paths resolve against `base`) or
 * `s3://BUCKET/PREFIX`. An S3-compatible endpoint comes from
 * `?endpoint=` on the URI or SWARMLAB_S3_ENDPOINT.
 */
export function openStore(uri: string, base = process.cwd()): ObjectStore {
  if (uri.startsWith('file://')) {
    const rest = uri.slice('file://'.length);
    if (rest === '') throw bad(uri, 'file:// needs a directory');
    const dir = rest.startsWith('/') ? fileURLToPath(`file://${rest}`) : resolve(base, decodeURIComponent(rest));
    return new FileStore(dir);
  }
  if (uri.startsWith('s3://')) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw bad(uri, 'not a valid s3:// URI');
    }
    const bucket = url.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad(uri, 'bucket names are 3-63 lower-case letters, digits, dots and hyphens');
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
    const endpoint = url.searchParams.get('endpoint') ?? process.env.SWARMLAB_S3_ENDPOINT;
    const region = url.searchParams.get('region') ?? process.env.AWS_REGION;
    return new S3Store({ bucket, prefix, ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) });
  }
  if (isAbsolute(uri)) return new FileStore(uri);
  throw bad(uri, 'expected file://DIR or s3://BUCKET/PREFIX');
}

function bad(uri: string, why: string): SwarmlabError {
  return new SwarmlabError('STORE_UNAVAILABLE', `store ${JSON.stringify(uri)}: ${why}`, { path: 'spec.output.store' });
}
