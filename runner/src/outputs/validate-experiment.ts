import type { ModuleRegistry } from '../modules/registry.ts';
import type { ObjectStore } from '../store/store.ts';
import { sha256 } from '../spec/canonical.ts';
import { checkRunFiles, fileEntry, runDigest, RUN_RECORD } from './check-run.ts';
import { RunFiles } from './run-files.ts';
import { Manifest, RunRecord } from './schemas.ts';

export interface ValidationReport {
  readonly manifestKey: string;
  readonly runsChecked: number;
  readonly problems: readonly string[];
  readonly digest?: string;
}

/**
 * `swarmlab validate`: checks the manifest, every run record, every file's
 * size and sha256, every file's schema and the modules' own checks, and both
 * digests. Lists every problem; an empty list means the results are valid.
 */
export async function validateResults(store: ObjectStore, registry: ModuleRegistry, root = ''): Promise<ValidationReport> {
  const prefix = root ? `${root.replace(/\/+$/, '')}/` : '';
  const manifestKey = `${prefix}manifest.json`;
  const problems: string[] = [];
  const bytes = await store.get(manifestKey);
  if (!bytes) return { manifestKey, runsChecked: 0, problems: [`${store.uriFor(manifestKey)}: no manifest.json (point validate at an experiment's results folder)`] };
  let manifest: Manifest;
  try {
    const parsed = Manifest.safeParse(JSON.parse(bytes.toString('utf8')));
    if (!parsed.success) {
      return { manifestKey, runsChecked: 0, problems: parsed.error.issues.slice(0, 20).map((i) => `manifest.json: ${i.path.join('.') || '(root)'}: ${i.message}`) };
    }
    manifest = parsed.data;
  } catch (e) {
    return { manifestKey, runsChecked: 0, problems: [`manifest.json: not JSON: ${(e as Error).message}`] };
  }

  const digestLines: string[] = [];
  let runsChecked = 0;
  for (const run of manifest.runs) {
    if (run.status !== 'succeeded') {
      problems.push(`${run.run_id}: status ${run.status}${run.error ? ` (${run.error.code}: ${run.error.message})` : ''}`);
      continue;
    }
    runsChecked++;
    const dir = `${prefix}runs/${run.run_id}`;
    const recBytes = await store.get(`${dir}/${RUN_RECORD}`);
    if (!recBytes) {
      problems.push(`${run.run_id}: run.json missing`);
      continue;
    }
    const rec = RunRecord.safeParse(safeJson(recBytes));
    if (!rec.success) {
      problems.push(`${run.run_id}/run.json: ${rec.error.issues[0]?.message ?? 'invalid'}`);
      continue;
    }
    if (rec.data.digest !== run.digest) problems.push(`${run.run_id}: run.json digest differs from the manifest's`);
    const files = new RunFiles();
    const seen = [];
    for (const want of rec.data.files) {
      const content = await store.get(`${dir}/${want.name}`);
      if (!content) {
        problems.push(`${run.run_id}/${want.name}: missing`);
        continue;
      }
      const got = fileEntry(want.name, content);
      seen.push(got);
      if (got.size !== want.size) problems.push(`${run.run_id}/${want.name}: size ${got.size}, recorded ${want.size}`);
      if (got.sha256 !== want.sha256) problems.push(`${run.run_id}/${want.name}: sha256 ${got.sha256} does not match the recorded ${want.sha256}`);
      files.set(want.name, content);
    }
    if (runDigest(rec.data.files) !== rec.data.digest) problems.push(`${run.run_id}: run digest does not match its files`);
    for (const p of checkRunFiles(files, registry)) problems.push(`${run.run_id}/${p}`);
    digestLines.push(`${run.run_id}:${run.digest}\n`);
  }
  const digest = sha256(digestLines.join(''));
  if (digest !== manifest.digest) problems.push(`manifest.json: digest ${manifest.digest} does not match the runs (${digest})`);
  return { manifestKey, runsChecked, problems, digest: manifest.digest };
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}
