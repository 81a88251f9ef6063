import { isSwarmlabError } from '../errors.ts';
import { canonicalJson } from '../spec/canonical.ts';
import { API_VERSION } from '../spec/experiment.ts';
import { parseExperiment, specDigest } from '../spec/load.ts';
import { isAdaptive, plan, planRun, runCount, sweepSeeds, type RunPoint } from '../spec/plan.ts';
import { manifestDigest, provenanceDigest } from './digests.ts';
import type { Manifest } from './schemas.ts';

const M = 'manifest.json';

/**
 * The manifest's own consistency, without reading any run: its spec parses
 * and gives its spec digest, every run entry is the run the spec's plan gives
 * for its index, the counts are the runs', and the digests match. Returns the
 * problems (each starting with `manifest.json: <field path>`) and the plan,
 * when the spec gives one. An adaptive sweep's runs are a part of its run
 * matrix, ascending; which part, the rounds decide from the runs' results
 * (checked where the runs are read: validate-experiment.ts).
 */
export function checkManifest(m: Manifest, folderDigest?: string): { problems: string[]; points?: readonly RunPoint[] } {
  const problems: string[] = [];
  let points: RunPoint[] | undefined;
  try {
    const exp = parseExperiment({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: m.experiment.name }, spec: m.spec }, M);
    const digest = specDigest(exp);
    if (digest !== m.experiment.spec_digest) problems.push(`${M}: spec: its digest ${digest} is not experiment.spec_digest ${m.experiment.spec_digest}`);
    points = isAdaptive(exp.spec.sweep) ? adaptivePoints(exp, m, problems) : plan(exp);
  } catch (e) {
    if (!isSwarmlabError(e)) throw e;
    problems.push(`${M}: ${e.path ?? 'spec'}: ${e.message}`);
  }
  if (folderDigest !== undefined && !m.experiment.spec_digest.startsWith(folderDigest)) {
    problems.push(`${M}: experiment.spec_digest ${m.experiment.spec_digest} is not the digest of its folder ${folderDigest}`);
  }

  if (points) {
    if (m.runs.length !== points.length) problems.push(`${M}: runs: ${m.runs.length} entries, the spec's plan has ${points.length} runs`);
    m.runs.forEach((run, i) => {
      const p = points?.[i];
      if (!p) return;
      const at = `${M}: runs[${i}]`;
      if (run.run_id !== p.runId) problems.push(`${at}.run_id: ${run.run_id}, the plan gives ${p.runId}`);
      if (run.index !== p.index) problems.push(`${at}.index: ${run.index}, the plan gives ${p.index}`);
      if (run.seed !== p.seed) problems.push(`${at}.seed: ${run.seed}, the plan gives ${p.seed}`);
      if (canonicalJson(run.params) !== canonicalJson(p.params)) problems.push(`${at}.params: ${canonicalJson(run.params)}, the plan gives ${canonicalJson(p.params)}`);
    });
  }
  m.runs.forEach((run, i) => {
    if (run.status === 'succeeded' && (run.digest === undefined || run.files === undefined)) problems.push(`${M}: runs[${i}]: a succeeded run needs digest and files`);
    if (run.status === 'failed' && run.error === undefined) problems.push(`${M}: runs[${i}]: a failed run needs error`);
  });

  const succeeded = m.runs.filter((r) => r.status === 'succeeded').length;
  const counts = { total: m.runs.length, succeeded, failed: m.runs.length - succeeded };
  for (const k of ['total', 'succeeded', 'failed'] as const) {
    if (m.counts[k] !== counts[k]) problems.push(`${M}: counts.${k}: ${m.counts[k]}, the runs say ${counts[k]}`);
  }
  const digest = manifestDigest(m);
  if (digest !== m.digest) problems.push(`${M}: digest: ${m.digest} does not match the manifest's contents (${digest})`);

  const succeededIds = new Set(m.runs.filter((r) => r.status === 'succeeded').map((r) => r.run_id));
  m.provenance.files.forEach((f, i) => {
    if (!succeededIds.has(f.run_id)) problems.push(`${M}: provenance.files[${i}].run_id: ${f.run_id} is not a succeeded run`);
  });
  if (provenanceDigest(m.provenance.files) !== m.provenance.digest) problems.push(`${M}: provenance.digest: does not match provenance.files`);
  return points ? { problems, points } : { problems };
}

/** The run matrix's runs at the manifest's indices (which must ascend, inside the matrix). */
function adaptivePoints(exp: Parameters<typeof planRun>[0], m: Manifest, problems: string[]): RunPoint[] {
  const seeds = sweepSeeds(exp.spec.sweep);
  const total = runCount(exp.spec.sweep);
  const points: RunPoint[] = [];
  let before = -1;
  for (const [i, run] of m.runs.entries()) {
    if (!Number.isSafeInteger(run.index) || run.index <= before || run.index >= total) {
      problems.push(`${M}: runs[${i}].index: ${run.index} is not after ${before} inside the run matrix 0..${total - 1}`);
      return points;
    }
    before = run.index;
    points.push(planRun(exp, run.index, seeds));
  }
  return points;
}
