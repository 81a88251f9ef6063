import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { SwarmlabError } from '../errors.ts';
import { FileStore } from '../store/file-store.ts';
import { openStore } from '../store/open.ts';

/** A results folder or URI as given on the command line (a manifest.json names its folder): a store plus the experiment root within it. */
export function openResults(target: string): { store: ReturnType<typeof openStore>; root: string } {
  if (target.startsWith('s3://') || target.startsWith('file://')) {
    const trimmed = target.replace(/\/manifest\.json$/, '');
    return { store: openStore(trimmed), root: '' };
  }
  let dir = resolve(target);
  if (!existsSync(dir)) throw new SwarmlabError('BAD_FILE', 'no such file or directory', { file: target });
  if (statSync(dir).isFile()) {
    if (basename(dir) !== 'manifest.json') throw notResults(target);
    dir = dirname(dir);
  }
  return { store: new FileStore(dir), root: '' };
}

export function notResults(target: string): SwarmlabError {
  return new SwarmlabError('BAD_FILE', 'not a results folder: no manifest.json here and no <digest>/ result folders below', {
    file: target,
    hint: 'give a result set (results/NAME/DIGEST/), an experiment folder (results/NAME/) or a store root',
  });
}
