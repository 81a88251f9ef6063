import { SwarmlabError } from '../errors.ts';
import { GovernanceRecord } from '../modules/builtin/governance/cascade.ts';
import { toV04Record, v04Line } from '../modules/builtin/governance/v04/record.ts';
import { Provenance, type Manifest, type ManifestRun } from '../outputs/schemas.ts';
import { sha256 } from '../spec/canonical.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { invalidRunFile, readRunFile, readRunSummary } from './read-run.ts';

const RECORD_FILE = 'governance_record.json';

/**
 * The v0.4 JSONL lines of a result set's succeeded runs, in run order: each
 * from the run's governance_record.json, its summary (the influence
 * network's module), the manifest (experiment, seed) and its provenance
 * (start time). A run v0.4 cannot describe is refused, naming it.
 */
export async function governanceV04Lines(store: ObjectStore, layout: ResultsLayout, manifest: Manifest): Promise<string[]> {
  const lines: string[] = [];
  for (const run of manifest.runs) {
    if (run.status !== 'succeeded') continue;
    if (!(run.files ?? []).some((f) => f.name === RECORD_FILE)) {
      throw new SwarmlabError('USAGE', `${run.run_id} has no ${RECORD_FILE}: the governance-v0.4 format exports governance-cascade runs`, { file: store.uriFor(layout.run(run.run_id)) });
    }
    const key = layout.runFile(run.run_id, RECORD_FILE);
    const parsed = GovernanceRecord.safeParse(JSON.parse((await readRunFile(store, layout, run, RECORD_FILE)).toString('utf8')));
    if (!parsed.success) throw invalidRunFile(store, key, RECORD_FILE, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const record = parsed.data;
    const summary = await readRunSummary(store, layout, run);
    const network = record.influence.network;
    const built = toV04Record(record, {
      experiment: manifest.experiment.name,
      specDigest: manifest.experiment.spec_digest,
      runId: run.run_id,
      seed: run.seed,
      startedAt: await startedAt(store, layout, manifest, run),
      networkModule: network === null ? undefined : summary.modules.find((m) => m.name === network)?.module,
    });
    if (!built.ok) throw new SwarmlabError('USAGE', `${run.run_id}: ${built.reason}`, { hint: 'the governance-v0.4 format describes archetype runs on erdos-renyi or watts-strogatz networks only' });
    lines.push(v04Line(built.record));
  }
  return lines;
}

/** When the run started, from its provenance record as the manifest's integrity field records it. */
async function startedAt(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, run: ManifestRun): Promise<string> {
  const key = layout.provenance(run.run_id);
  const entry = manifest.provenance.files.find((f) => f.run_id === run.run_id);
  const bytes = entry === undefined ? undefined : await store.get(key);
  if (entry === undefined || bytes === undefined) {
    throw new SwarmlabError('INVALID_OUTPUT', `${run.run_id} has no provenance record, so no time for the v0.4 timestamp`, { file: store.uriFor(key) });
  }
  if (bytes.byteLength !== entry.size || sha256(bytes) !== entry.sha256) throw invalidRunFile(store, key, `provenance/${run.run_id}.json`, 'its bytes are not the ones manifest.json records');
  const parsed = Provenance.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw invalidRunFile(store, key, `provenance/${run.run_id}.json`, 'does not match its schema');
  return parsed.data.started_at;
}
