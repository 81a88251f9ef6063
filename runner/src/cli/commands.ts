import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import {
  builtinRegistry,
  FileStore,
  loadExperimentFile,
  openStore,
  plan,
  planRun,
  runAndPromote,
  runLocal,
  specDigest,
  SwarmlabError,
  validateExperiment,
  validateResults,
} from '../index.ts';
// Internals the entry point does not offer: the run-index pre-check, test failpoints, the pool's type, the output schemas.
import { resolveScenario } from '../modules/resolve.ts';
import { beforeValidateFailpoint, FAILPOINT_ENV, parseFailpoint } from '../run/failpoints.ts';
import type { WorkerPool } from '../run/worker-pool.ts';
import { outputJsonSchemas } from '../outputs/json-schemas.ts';
import { migrateResults } from './migrate-command.ts';
import { createProgressReporter } from './progress.ts';
import { nonNegativeInt } from './args.ts';

// What each command of main.ts does.

/** A results folder or URI as given on the command line: a store plus the experiment root within it. */
function openResults(target: string): { store: ReturnType<typeof openStore>; root: string } {
  if (target.startsWith('s3://') || target.startsWith('file://')) {
    const trimmed = target.replace(/\/manifest\.json$/, '');
    return { store: openStore(trimmed), root: '' };
  }
  let dir = resolve(target);
  if (existsSync(dir) && statSync(dir).isFile()) dir = dirname(dir);
  if (!existsSync(dir)) throw new SwarmlabError('BAD_FILE', 'no such file or directory', { file: target });
  return { store: new FileStore(dir), root: '' };
}

export async function runCommand(file: string, opts: { store?: string; workers?: number; json?: boolean }, pool: WorkerPool | undefined, signal?: AbortSignal): Promise<void> {
  const exp = await loadExperimentFile(file);
  const store = openStore(opts.store ?? exp.spec.output.store);
  const reporter = createProgressReporter(!opts.json && process.stderr.isTTY === true);
  const result = await runLocal(exp, {
    store,
    registry: builtinRegistry,
    ...(opts.workers ? { workers: opts.workers } : {}),
    ...(pool ? { pool } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (p) => reporter.update(p),
  }).finally(() => reporter.stop());
  const summary = {
    experiment: exp.metadata.name,
    specDigest: specDigest(exp),
    total: result.total,
    succeeded: result.succeeded,
    failed: result.failed,
    resumed: result.resumed,
    results: result.resultsUri,
    manifest: result.manifestUri,
    manifestDigest: result.manifest.digest,
    failures: [...result.failures.entries()].map(([index, f]) => ({ index, ...f })),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(
      `${exp.metadata.name}: ${result.succeeded}/${result.total} runs succeeded` +
        `${result.failed ? `, ${result.failed} failed` : ''}${result.resumed ? ` (${result.resumed} already done)` : ''}\n` +
        `results:  ${result.resultsUri}\nmanifest: ${result.manifestUri}\ndigest:   ${result.manifest.digest}\n`,
    );
    for (const f of summary.failures.slice(0, 10)) process.stderr.write(`run ${f.index} failed: ${f.message}\n`);
  }
  process.exitCode = result.failed === 0 ? 0 : 1;
}

export async function runIndexCommand(opts: { spec: string; index?: number; indexOffset: number; store?: string; attempt?: string }): Promise<void> {
  const exp = await loadExperimentFile(opts.spec);
  const fromEnv = process.env.JOB_COMPLETION_INDEX;
  const local = opts.index ?? (fromEnv !== undefined ? nonNegativeInt('JOB_COMPLETION_INDEX')(fromEnv) : undefined);
  if (local === undefined) throw new SwarmlabError('USAGE', 'give --index or set JOB_COMPLETION_INDEX');
  const index = opts.indexOffset + local;
  // Only this run's point: the whole sweep was checked once, before any pod started.
  resolveScenario(exp.spec.scenario, planRun(exp, index).params, builtinRegistry);
  const store = openStore(opts.store ?? exp.spec.output.store);
  // Test-only fault injection (failpoints.ts); nothing is injected unless SWARMLAB_FAILPOINT is set.
  const beforeValidate = beforeValidateFailpoint(parseFailpoint(process.env[FAILPOINT_ENV]), index);
  const out = await runAndPromote(exp, index, store, { registry: builtinRegistry, attempt: opts.attempt ?? process.env.HOSTNAME ?? 'local', beforeValidate });
  process.stdout.write(`${JSON.stringify({ run: out.point.runId, index, status: out.status, digest: out.record.digest })}\n`);
}

export async function planCommand(file: string, opts: { json?: boolean }): Promise<void> {
  const exp = await loadExperimentFile(file);
  validateExperiment(exp, builtinRegistry);
  const runs = plan(exp);
  if (opts.json) {
    for (const r of runs) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const lines = [`${exp.metadata.name}: ${runs.length} runs (spec digest ${specDigest(exp).slice(0, 16)})`, 'RUN\tINDEX\tSEED\tPARAMS'];
  for (const r of runs) lines.push(`${r.runId}\t${r.index}\t${r.seed}\t${Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function validateCommand(target: string, opts: { json?: boolean }): Promise<void> {
  const { store, root } = openResults(target);
  const report = await validateResults(store, builtinRegistry, root);
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (report.problems.length === 0) process.stdout.write(`valid: ${report.runsChecked} runs, manifest digest ${report.digest ?? ''}\n`);
  else {
    process.stderr.write(`invalid: ${report.problems.length} problem(s)\n`);
    for (const p of report.problems) process.stderr.write(`  ${p}\n`);
  }
  process.exitCode = report.problems.length === 0 ? 0 : 1;
}

export async function schemaCommand(name: string | undefined, opts: { out?: string }): Promise<void> {
  const all = outputJsonSchemas(builtinRegistry);
  if (name !== undefined && !(name in all)) throw new SwarmlabError('USAGE', `unknown schema ${name}; known: ${Object.keys(all).join(', ')}`);
  const chosen = name ? { [name]: all[name] } : all;
  if (opts.out) {
    await mkdir(opts.out, { recursive: true });
    for (const [n, s] of Object.entries(chosen)) await writeFile(join(opts.out, `${n}.schema.json`), `${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${JSON.stringify(name ? chosen[name] : chosen, null, 2)}\n`);
}

export async function migrateCommand(src: string, opts: { out: string }): Promise<void> {
  const from = openResults(src);
  const to = opts.out.includes('://') ? openStore(opts.out) : new FileStore(resolve(opts.out));
  const report = await migrateResults(from.store, to, builtinRegistry);
  process.stdout.write(`${report.applied.length ? report.applied.join('\n') : `already at the current schema; copied ${report.files} files`}\n`);
}
