import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { SwarmlabError } from '../errors.ts';
import { loadRegistry } from '../plugins/runner-registry.ts';
import { validateExperiment } from '../modules/check-sweep.ts';
import { API_VERSION } from '../spec/experiment.ts';
import { ExperimentStatus, resultsSettled, type Phase } from '../spec/status.ts';
import { loadExperimentDocument } from '../spec/load.ts';
import { openStore } from '../store/open.ts';
import { validateResults } from '../outputs/validate-experiment.ts';
import { REPORT_FILE, ResultsLayout } from '../store/layout.ts';
import { downloadResults } from './download-results.ts';
import { statisticsText, statisticsToShow, tableUris } from './results-command.ts';

// The CLI side of running on a cluster: `submit` applies an Experiment to the
// current kube context and follows its status; `results` fetches what the
// operator recorded. Both read only the Experiment's status contract.

/** The phases a sweep ends in, and the condition that says why. */
const ENDING: Partial<Record<Phase, string>> = { Complete: 'Complete', Failed: 'Failed', Invalid: 'InvalidSpec' };

function kubeClient(): { api: KubernetesObjectApi; namespace: string } {
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new SwarmlabError('USAGE', `cannot load a kubeconfig: ${(e as Error).message}`, { hint: 'set KUBECONFIG or configure ~/.kube/config' });
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return { api: KubernetesObjectApi.makeApiClient(kc), namespace: ctx?.namespace ?? 'default' };
}

function apiError(e: unknown, what: string): SwarmlabError {
  const err = e as { code?: number; body?: unknown; message?: string };
  let message = err.message ?? String(e);
  if (typeof err.body === 'string') {
    try {
      message = (JSON.parse(err.body) as { message?: string }).message ?? message;
    } catch {
      message = err.body;
    }
  }
  const code = err.code === 422 || err.code === 400 ? 'INVALID_SPEC' : 'USAGE';
  return new SwarmlabError(code, `${what}: ${message}`, { cause: e });
}

async function readStatus(api: KubernetesObjectApi, name: string, namespace: string): Promise<{ status: ExperimentStatus; generation: number | undefined }> {
  const obj = (await api.read({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name, namespace } })) as KubernetesObject & { status?: unknown };
  const parsed = ExperimentStatus.safeParse(obj.status ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SwarmlabError('USAGE', `experiment ${namespace}/${name} has a status this CLI cannot read: status.${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, {
      hint: 'use a swarmlab CLI of the operator\'s version',
    });
  }
  return { status: parsed.data, generation: obj.metadata?.generation };
}

export interface SubmitOptions {
  readonly wait?: boolean;
  readonly namespace?: string;
  readonly timeoutSeconds?: number;
  readonly pollMs?: number;
  readonly json?: boolean;
}

/** Applies the Experiment (server-side apply) and, with --wait, follows it to the end. Returns the exit status. */
export async function submit(file: string, opts: SubmitOptions): Promise<number> {
  const { document, experiment: exp } = await loadExperimentDocument(file);
  validateExperiment(exp, await loadRegistry({ experimentFile: file }));
  const { api, namespace: contextNs } = kubeClient();
  const namespace = opts.namespace ?? exp.metadata.namespace ?? contextNs;
  // The spec as written, like `kubectl apply`: defaults are the operator's to fill in (an unset store means its own).
  const body = { apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: exp.metadata.name, namespace }, spec: document.spec as Record<string, unknown> };
  try {
    await api.patch(body, undefined, undefined, 'swarmlab-cli', true, PatchStrategy.ServerSideApply);
  } catch (e) {
    throw apiError(e, `applying experiment ${namespace}/${exp.metadata.name}`);
  }
  process.stderr.write(`experiment ${namespace}/${exp.metadata.name} applied\n`);
  if (!opts.wait) return 0;

  const deadline = opts.timeoutSeconds ? Date.now() + opts.timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
  let last = '';
  let announcedFinishing = false;
  for (;;) {
    const { status, generation } = await readStatus(api, exp.metadata.name, namespace).catch((e: unknown) => {
      throw apiError(e, `reading experiment ${namespace}/${exp.metadata.name}`);
    });
    const current = status.observedGeneration === undefined || generation === undefined || status.observedGeneration >= generation;
    const rounds = status.rounds === undefined || status.rounds.ended ? '' : ` round ${status.rounds.current} (${status.rounds.openPoints} points open)`;
    const line = `${status.phase ?? 'Pending'} ${status.progress ?? ''}${rounds}${status.runs?.failed ? ` failed ${status.runs.failed}` : ''}`;
    if (line !== last) {
      process.stderr.write(`${line}\n`);
      last = line;
    }
    const ending = status.phase === undefined ? undefined : ENDING[status.phase];
    // A sweep that ran ends once its tables and report are built (or their Job failed): what --wait hands on is the answer.
    const finishing = ending !== undefined && status.phase !== 'Invalid' && !resultsSettled(status);
    if (current && finishing && !announcedFinishing) {
      process.stderr.write('building the tables and the report\n');
      announcedFinishing = true;
    }
    if (current && ending !== undefined && !finishing) {
      // The condition that ended it says why: the failed runs and their codes, or the invalid field.
      const message = status.conditions?.find((c) => c.type === ending)?.message ?? '';
      const results = status.conditions?.find((c) => c.type === 'ResultsReady');
      const out = {
        name: exp.metadata.name,
        namespace,
        phase: status.phase,
        message,
        runs: status.runs,
        resultsURI: status.resultsURI,
        manifestURI: status.manifestURI,
        manifestDigest: status.manifestDigest,
        ...(status.tablesURI !== undefined ? { tablesURI: status.tablesURI } : {}),
        ...(status.reportURI !== undefined ? { reportURI: status.reportURI } : {}),
      };
      process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : `${status.phase}: results ${status.resultsURI ?? '-'} digest ${status.manifestDigest ?? '-'}${status.reportURI ? `\nreport:   ${status.reportURI}` : ''}\n`);
      if (status.phase === 'Invalid') {
        process.stderr.write(`invalid spec: ${message}\n`);
        return 2;
      }
      if (status.phase === 'Failed') process.stderr.write(`failed: ${message}\n`);
      if (results?.status !== 'True') {
        process.stderr.write(`no tables or report: ${results?.message ?? 'the finishing step did not run'}\n`);
        return 1;
      }
      return status.phase === 'Complete' ? 0 : 1;
    }
    if (Date.now() > deadline) {
      process.stderr.write(`timed out after ${opts.timeoutSeconds}s in phase ${status.phase ?? 'Pending'}\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
  }
}

export interface ResultsOptions {
  readonly namespace?: string;
  readonly download?: string;
  /** With --download: every run's files too. */
  readonly runs?: boolean;
  readonly json?: boolean;
  /** Final metrics whose statistics to print (default: every one). */
  readonly metric?: readonly string[];
}

/** Prints where an experiment's results are and their per-point statistics once the tables exist, validates them, and optionally downloads them. */
export async function results(name: string, opts: ResultsOptions): Promise<number> {
  const { api, namespace: contextNs } = kubeClient();
  const namespace = opts.namespace ?? contextNs;
  const { status } = await readStatus(api, name, namespace).catch((e: unknown) => {
    throw apiError(e, `reading experiment ${namespace}/${name}`);
  });
  if (!status.resultsURI || !status.manifestURI) {
    throw new SwarmlabError('USAGE', `experiment ${namespace}/${name} has no manifest yet (phase ${status.phase ?? 'Pending'})`, { hint: 'wait for it: swarmlab submit --wait' });
  }
  const store = openStore(status.resultsURI);
  const report = await validateResults(store, await loadRegistry());
  const layout = new ResultsLayout('');
  const valid = report.problems.length === 0;
  const hasTables = valid && (await store.stat(layout.resultsIndex)) !== undefined;
  if (opts.download !== undefined && valid && !hasTables) {
    throw new SwarmlabError('USAGE', `experiment ${namespace}/${name}: its tables and report are not built yet (condition ResultsReady)`, { hint: 'wait for ResultsReady=True: kubectl wait --for=condition=ResultsReady experiment/NAME' });
  }
  const downloaded = opts.download !== undefined && hasTables ? await downloadResults(store, layout, status.manifestDigest ?? '', opts.download, { runs: opts.runs ?? false }) : undefined;
  const metrics = opts.metric ?? [];
  const statistics = hasTables ? await statisticsToShow(store, layout, metrics) : undefined;
  const out = {
    name,
    namespace,
    phase: status.phase,
    resultsURI: status.resultsURI,
    manifestDigest: status.manifestDigest,
    valid,
    problems: report.problems,
    ...(downloaded !== undefined ? { downloadedTo: opts.download, downloaded: downloaded.length } : {}),
    ...(hasTables ? { tables: tableUris(store, layout) } : {}),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(`${name}: ${status.phase ?? '?'} ${status.progress ?? ''}\n`);
    if (statistics !== undefined) process.stdout.write(statisticsText(statistics, metrics));
    process.stdout.write(`results:  ${status.resultsURI}\ndigest:   ${status.manifestDigest ?? '-'}\n`);
    if (downloaded !== undefined && opts.download !== undefined) {
      process.stdout.write(`downloaded ${downloaded.length} files to ${opts.download}${opts.runs ? '' : ' (the manifest, the tables and the report; --runs for every run\'s files)'}\nreport:   ${join(opts.download, REPORT_FILE)}\n`);
    }
    for (const p of report.problems) process.stderr.write(`  ${p}\n`);
  }
  return report.problems.length === 0 ? 0 : 1;
}
