import { analyzeResults } from '../analysis/analyze.ts';
import type { Estimate } from '../analysis/bootstrap.ts';
import { ANALYSIS_METHODS, formatSensitivityFile, type AnalysisMethod, type SensitivityFile } from '../analysis/sensitivity-file.ts';
import { SwarmlabError } from '../errors.ts';
import { findResultSets } from '../outputs/find-results.ts';
import { readManifest } from '../outputs/read-manifest.ts';
import { loadRegistry } from '../plugins/runner-registry.ts';
import { rebuildReport } from '../results/rebuild-report.ts';
import { ResultsLayout } from '../store/layout.ts';
import { notResults, openResults } from './open-results.ts';
import { ensureTables } from './results-command.ts';

export interface AnalyzeCommandOptions {
  readonly method: string;
  readonly metric?: readonly string[];
  readonly resamples?: number;
  readonly json?: boolean;
}

function methodOf(given: string): AnalysisMethod {
  if (!(ANALYSIS_METHODS as readonly string[]).includes(given)) throw new SwarmlabError('USAGE', `--method must be one of ${ANALYSIS_METHODS.join(', ')}, not ${JSON.stringify(given)}`);
  return given as AnalysisMethod;
}

const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(4));
const withCi = (e: Estimate): string => (e.value === null ? '–  (no variance)' : `${fmt(e.value)} [${fmt(e.ci_low)}, ${fmt(e.ci_high)}]`);

/** The indices as aligned text, a table per metric. */
export function sensitivityText(doc: SensitivityFile): string {
  const out: string[] = [];
  const level = `${Math.round(doc.bootstrap.confidence * 100)}%`;
  for (const m of doc.metrics) {
    const unit = doc.method === 'sobol' ? 'base samples' : 'trajectories';
    out.push(`${m.metric}: ${doc.method === 'sobol' ? "Sobol' indices" : 'Morris effects'} from ${m.groups} ${unit}${m.excluded ? ` (${m.excluded} left out: runs failed)` : ''}, ${level} bootstrap intervals`);
    const rows =
      doc.method === 'sobol'
        ? [['PARAMETER', 'S1 [CI]', 'ST [CI]'], ...(m.sobol ?? []).map((p) => [p.param, withCi(p.first), withCi(p.total)]), ...(m.second_order ?? []).map((s) => [s.params.join(' x '), `S2 ${withCi(s.estimate)}`, ''])]
        : [['PARAMETER', 'MU* [CI]', 'MU', 'SIGMA'], ...(m.morris ?? []).map((p) => [p.param, withCi(p.mu_star), fmt(p.mu), fmt(p.sigma)])];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    for (const r of rows) out.push(`  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * `swarmlab analyze RESULTS --method sobol|morris`: for each finished result
 * set there, the indices of its final metrics, written as sensitivity.json
 * beside the tables (checked against its schema first), and the report built
 * again with its sensitivity section.
 */
export async function analyzeCommand(target: string, opts: AnalyzeCommandOptions): Promise<void> {
  const method = methodOf(opts.method);
  const { store } = openResults(target);
  const sets = await findResultSets(store);
  if (sets.complete.length === 0) {
    if (sets.incomplete.length > 0) throw new SwarmlabError('BAD_FILE', 'no finished result set here: its runs have not all finished (run the experiment again to resume)', { file: target });
    throw notResults(target);
  }
  const registry = await loadRegistry();
  const out: { folder: string; file: string; report: string; analysis: SensitivityFile }[] = [];
  for (const folder of sets.complete) {
    const layout = new ResultsLayout(folder);
    const manifest = await readManifest(store, layout.manifest);
    await ensureTables(store, layout, manifest, registry);
    const analysis = await analyzeResults(store, layout, manifest, { method, ...(opts.metric ? { metrics: opts.metric } : {}), ...(opts.resamples ? { resamples: opts.resamples } : {}) });
    await store.put(layout.sensitivity, formatSensitivityFile(analysis));
    const report = await rebuildReport(store, layout, manifest, registry);
    out.push({ folder, file: store.uriFor(layout.sensitivity), report, analysis });
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ sets: out }, null, 2)}\n`);
    return;
  }
  for (const s of out) {
    if (s.folder !== '') process.stdout.write(`${s.folder}:\n`);
    process.stdout.write(`${sensitivityText(s.analysis)}written:  ${s.file}\nreport:   ${s.report}\n`);
  }
}
