import semver from 'semver';
import type { ModuleRegistry } from '../modules/registry.ts';
import type { ObjectStore } from '../store/store.ts';
import { canonicalJson, sha256 } from '../spec/canonical.ts';
import type { RunPoint } from '../spec/plan.ts';
import { checkRunFiles, fileEntry, RUN_RECORD } from './check-run.ts';
import { checkManifest } from './check-manifest.ts';
import { runDigest } from './digests.ts';
import { RunFiles } from './run-files.ts';
import { resultsIndexProblems } from '../results/check-index.ts';
import { isSwarmlabError } from '../errors.ts';
import { API_VERSION } from '../spec/experiment.ts';
import { parseExperiment } from '../spec/load.ts';
import { isAdaptive } from '../spec/plan.ts';
import { ResultsLayout } from '../store/layout.ts';
import { summarizeRounds } from '../rounds/summarize.ts';
import { formatAdaptiveFile } from '../rounds/adaptive-file.ts';
import { Manifest, Provenance, RunRecord, SCHEMA_VERSION, type ManifestRun } from './schemas.ts';

export interface ValidationReport {
  readonly manifestKey: string;
  readonly runsChecked: number;
  readonly problems: readonly string[];
  readonly digest?: string;
}

/**
 * `swarmlab validate` of one result set: the manifest against its spec, its
 * plan and its digests; every run record against the plan, the manifest and
 * its digest; every file's size, sha256, schema and the modules' own checks;
 * every provenance file against the manifest's integrity field; the tables
 * against the results index (results/check-index.ts). Re-hashes
 * everything. Lists every problem, each starting with the file (relative to
 * the result set) and the field; an empty list means the results are valid.
 */
export async function validateResults(store: ObjectStore, registry: ModuleRegistry, root = ''): Promise<ValidationReport> {
  const prefix = root ? `${root.replace(/\/+$/, '')}/` : '';
  const manifestKey = `${prefix}manifest.json`;
  const bytes = await store.get(manifestKey);
  if (!bytes) return { manifestKey, runsChecked: 0, problems: [`${store.uriFor(manifestKey)}: no manifest.json (point validate at an experiment's results folder)`] };
  let manifest: Manifest;
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    const version = (doc as { schema_version?: unknown } | null)?.schema_version;
    if (typeof version === 'string' && semver.valid(version) !== null && semver.major(version) !== semver.major(SCHEMA_VERSION)) {
      return { manifestKey, runsChecked: 0, problems: [`manifest.json: schema_version: ${version} is not ${semver.major(SCHEMA_VERSION)}.x; upgrade a copy with swarmlab migrate`] };
    }
    const parsed = Manifest.safeParse(doc);
    if (!parsed.success) {
      return { manifestKey, runsChecked: 0, problems: parsed.error.issues.slice(0, 20).map((i) => `manifest.json: ${i.path.join('.') || '(root)'}: ${i.message}`) };
    }
    manifest = parsed.data;
  } catch (e) {
    return { manifestKey, runsChecked: 0, problems: [`manifest.json: not JSON: ${(e as Error).message}`] };
  }

  const folderDigest = /\/([0-9a-f]{16})\/manifest\.json$/.exec(store.uriFor(manifestKey))?.[1];
  const { problems, points } = checkManifest(manifest, folderDigest);
  let runsChecked = 0;
  for (const [i, run] of manifest.runs.entries()) {
    if (run.status !== 'succeeded') {
      problems.push(`${run.run_id}: failed: ${failureText(run)}`);
      continue;
    }
    runsChecked++;
    problems.push(...(await checkStoredRun(store, registry, prefix, i, run, points?.[i])));
  }
  for (const f of manifest.provenance.files) {
    const label = `provenance/${f.run_id}.json`;
    const content = await store.get(`${prefix}${label}`);
    if (!content) {
      problems.push(`${label}: missing (manifest.json records sha256 ${f.sha256})`);
      continue;
    }
    if (content.byteLength !== f.size) problems.push(`${label}: size ${content.byteLength}, manifest.json records ${f.size}`);
    const got = sha256(content);
    if (got !== f.sha256) problems.push(`${label}: sha256 ${got} does not match manifest.json's ${f.sha256}`);
    const prov = Provenance.safeParse(safeJson(content));
    if (!prov.success) problems.push(`${label}: ${issueText(prov.error.issues[0])}`);
    else if (prov.data.run_id !== f.run_id) problems.push(`${label}: run_id: ${prov.data.run_id}, expected ${f.run_id}`);
  }
  const recorded = new Set(manifest.provenance.files.map((f) => f.run_id));
  for (const run of manifest.runs) {
    const label = `provenance/${run.run_id}.json`;
    if (run.status === 'succeeded' && !recorded.has(run.run_id) && (await store.stat(`${prefix}${label}`)) !== undefined) {
      problems.push(`${label}: not recorded in manifest.json's provenance.files`);
    }
  }
  problems.push(...(await resultsIndexProblems(store, prefix.replace(/\/$/, ''), manifest)));
  if (problems.length === 0) problems.push(...(await roundsProblems(store, prefix.replace(/\/$/, ''), manifest)));
  return { manifestKey, runsChecked, problems, digest: manifest.digest };
}

/**
 * An adaptive sweep's runs are the ones its rounds give, replayed from
 * their results; its adaptive.json is what they give. Checked once the runs
 * themselves are valid (the replay reads them).
 */
async function roundsProblems(store: ObjectStore, root: string, manifest: Manifest): Promise<string[]> {
  const exp = parseExperiment({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: manifest.experiment.name }, spec: manifest.spec }, 'manifest.json');
  if (!isAdaptive(exp.spec.sweep)) return [];
  const layout = new ResultsLayout(root);
  let expected: string;
  try {
    expected = formatAdaptiveFile(await summarizeRounds(store, layout, exp, manifest));
  } catch (e) {
    if (isSwarmlabError(e)) return [`manifest.json: runs: ${e.message}`];
    throw e;
  }
  const stored = await store.get(layout.adaptive);
  if (stored === undefined) return ['adaptive.json: missing (swarmlab run on the same spec writes it again)'];
  return stored.toString('utf8') === expected ? [] : ['adaptive.json: not what the rounds give when replayed from the runs (swarmlab run on the same spec writes it again)'];
}

/** A run's record and files: against the plan, the manifest entry, the record's digest and every file's bytes and schema. */
async function checkStoredRun(store: ObjectStore, registry: ModuleRegistry, prefix: string, i: number, run: ManifestRun, point: RunPoint | undefined): Promise<string[]> {
  const problems: string[] = [];
  const dir = `runs/${run.run_id}`;
  const recLabel = `${dir}/${RUN_RECORD}`;
  const recBytes = await store.get(`${prefix}${recLabel}`);
  if (!recBytes) return [`${recLabel}: missing`];
  const parsed = RunRecord.safeParse(safeJson(recBytes));
  if (!parsed.success) return [`${recLabel}: ${issueText(parsed.error.issues[0])}`];
  const rec = parsed.data;

  const expected = point ? { run_id: point.runId, index: point.index, seed: point.seed, params: point.params } : run;
  const by = point ? 'the plan gives' : 'manifest.json has';
  if (rec.run_id !== expected.run_id) problems.push(`${recLabel}: run_id: ${rec.run_id}, ${by} ${expected.run_id}`);
  if (rec.index !== expected.index) problems.push(`${recLabel}: index: ${rec.index}, ${by} ${expected.index}`);
  if (rec.seed !== expected.seed) problems.push(`${recLabel}: seed: ${rec.seed}, ${by} ${expected.seed}`);
  if (canonicalJson(rec.params) !== canonicalJson(expected.params)) problems.push(`${recLabel}: params: ${canonicalJson(rec.params)}, ${by} ${canonicalJson(expected.params)}`);
  const digest = runDigest(rec);
  if (digest !== rec.digest) problems.push(`${recLabel}: digest: ${rec.digest} does not match the record's fields and files (${digest})`);
  if (rec.digest !== run.digest) problems.push(`manifest.json: runs[${i}].digest: ${run.digest ?? '(none)'} differs from ${recLabel}'s ${rec.digest}`);
  if (canonicalJson(rec.files) !== canonicalJson(run.files ?? [])) problems.push(`manifest.json: runs[${i}].files: differ from ${recLabel}'s`);
  if (canonicalJson(rec.code ?? null) !== canonicalJson(run.code ?? null)) problems.push(`manifest.json: runs[${i}].code: differs from ${recLabel}'s`);

  const files = new RunFiles();
  for (const want of rec.files) {
    const label = `${dir}/${want.name}`;
    const content = await store.get(`${prefix}${label}`);
    if (!content) {
      problems.push(`${label}: missing`);
      continue;
    }
    const got = fileEntry(want.name, content);
    if (got.size !== want.size) problems.push(`${label}: size ${got.size}, recorded ${want.size}`);
    if (got.sha256 !== want.sha256) problems.push(`${label}: sha256 ${got.sha256} does not match the recorded ${want.sha256}`);
    files.set(want.name, content);
  }
  for (const p of await checkRunFiles(files, registry)) problems.push(`${dir}/${p}`);
  return problems;
}

/** A failed run's code and message, with the code once: an executor's message may already begin with it. */
function failureText(run: ManifestRun): string {
  if (!run.error) return 'no error recorded';
  const { code, message } = run.error;
  return message.startsWith(`${code}: `) ? message : `${code}: ${message}`;
}

function issueText(issue: { path: PropertyKey[]; message: string } | undefined): string {
  return issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid';
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}
