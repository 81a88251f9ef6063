import { formatPath, isSwarmlabError, SwarmlabError } from '../errors.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { instanceName, resolveScenario } from '../modules/resolve.ts';
import type { RunInput } from '../sdk/module.ts';
import { canonicalJson, sha256 } from '../spec/canonical.ts';
import type { Experiment, ParamValue } from '../spec/experiment.ts';
import { plan } from '../spec/plan.ts';
import { ResultsLayout } from '../store/layout.ts';
import { openStore } from '../store/open.ts';
import type { ObjectStore } from '../store/store.ts';
import { RunRecord } from '../outputs/schemas.ts';

/** Opens a result set's store by URI: the CLI's openStore, or the operator's (its credentials and endpoint). */
export type StoreOpener = (uri: string) => ObjectStore;

/** The texts of the files a run's modules read at create(), by instance, then by input name. */
export type RunInputs = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * One process fetches a referenced file once, however many runs read it.
 * Keyed by everything that names it; bounded, because the operator is one
 * long-lived process checking every Experiment's references.
 */
const fetched = new Map<string, Promise<string>>();
const FETCHED_LIMIT = 16;

/**
 * Fetches and checks the stored files the modules of one parameter point
 * name in their inputs(). A reference that does not lead to exactly the named
 * bytes is an input error (INVALID_SPEC, exit 2) at the spec field that names
 * it: no such result set or run, no such file in the run, or another sha256.
 */
export async function fetchRunInputs(exp: Experiment, params: Readonly<Record<string, ParamValue>>, registry: ModuleRegistry, open: StoreOpener = openStore): Promise<RunInputs> {
  const out = new Map<string, Map<string, string>>();
  if (!readsInputs(exp, registry)) return out;
  for (const m of resolveScenario(exp.spec.scenario, params, registry).modules) {
    const refs = m.def.inputs?.(m.config) ?? [];
    if (refs.length === 0) continue;
    const index = exp.spec.scenario.modules.findIndex((r) => instanceName(r) === m.instance);
    const texts = new Map<string, string>();
    for (const ref of refs) {
      const rel = formatPath(ref.path);
      const field = `spec.scenario.modules[${index}].config${rel.startsWith('[') ? rel : `.${rel}`}`;
      const text = await fetchInput(ref, field, open);
      const problem = ref.check?.(text);
      if (problem !== undefined) throw new SwarmlabError('INVALID_SPEC', `${ref.results} ${ref.run}/${ref.file}: ${problem}`, { path: field });
      texts.set(ref.name, text);
    }
    out.set(m.instance, texts);
  }
  return out;
}

/** Checks every input reference of every parameter point before any run, so a bad one is one error, not every run failing. */
export async function checkRunInputs(exp: Experiment, registry: ModuleRegistry, open: StoreOpener = openStore): Promise<void> {
  if (!readsInputs(exp, registry)) return;
  const seen = new Set<string>();
  for (const point of plan(exp)) {
    const key = canonicalJson(point.params);
    if (seen.has(key)) continue;
    seen.add(key);
    await fetchRunInputs(exp, point.params, registry, open);
  }
}

/** Whether any module of the scenario can name inputs: the others' runs skip resolving the scenario twice. */
function readsInputs(exp: Experiment, registry: ModuleRegistry): boolean {
  return exp.spec.scenario.modules.some((r) => registry.get(r.kind, r.module)?.inputs !== undefined);
}

function fetchInput(ref: RunInput, field: string, open: StoreOpener): Promise<string> {
  const key = canonicalJson({ cwd: process.cwd(), results: ref.results, run: ref.run, file: ref.file, sha256: ref.sha256 });
  let text = fetched.get(key);
  if (text === undefined) {
    text = readChecked(ref, field, open);
    fetched.set(key, text);
    if (fetched.size > FETCHED_LIMIT) fetched.delete(fetched.keys().next().value!);
    // A failed fetch is not kept: the next run asks the store again (a store error may pass).
    text.catch(() => fetched.delete(key));
  }
  return text;
}

async function readChecked(ref: RunInput, field: string, open: StoreOpener): Promise<string> {
  const bad = (sub: string, message: string, hint?: string): SwarmlabError =>
    new SwarmlabError('INVALID_SPEC', message, { path: `${field}.${sub}`, ...(hint ? { hint } : {}) });
  let store;
  try {
    store = open(ref.results);
  } catch (e) {
    throw bad('results', isSwarmlabError(e) ? e.message : String(e), 'name a result set by the URI swarmlab run printed after results:');
  }
  // The URI names a result set: its runs are under runs/ at its root.
  const layout = new ResultsLayout('');
  const recordBytes = await store.get(layout.runRecord(ref.run));
  if (recordBytes === undefined) {
    throw bad('run', `${store.uri} has no finished run ${ref.run} (no ${layout.runRecord(ref.run)})`, 'results is the result set\'s URI (swarmlab run prints it after results:); run is one of its run ids, e.g. run-000000');
  }
  let record: RunRecord;
  try {
    record = RunRecord.parse(JSON.parse(recordBytes.toString('utf8')));
  } catch {
    throw new SwarmlabError('INVALID_OUTPUT', `run ${ref.run}'s run.json is malformed`, { file: store.uriFor(layout.runRecord(ref.run)), hint: `swarmlab validate ${store.uri} says what is wrong` });
  }
  const entry = record.files.find((f) => f.name === ref.file);
  if (entry === undefined) throw bad('file', `run ${ref.run} of ${store.uri} has no file ${ref.file} (its files: ${record.files.map((f) => f.name).join(', ')})`);
  if (entry.sha256 !== ref.sha256) {
    throw bad('sha256', `run ${ref.run}'s ${ref.file} has sha256 ${entry.sha256}, the spec names ${ref.sha256}`, 'a warm start reads exactly the bytes it names; copy the sha256 from the run\'s run.json');
  }
  const bytes = await store.get(layout.runFile(ref.run, ref.file));
  if (bytes === undefined) throw bad('run', `run ${ref.run} of ${store.uri} records ${ref.file}, but the file is missing`);
  const got = sha256(bytes);
  if (got !== ref.sha256) throw bad('sha256', `the stored ${ref.file} of run ${ref.run} has sha256 ${got}, not the ${ref.sha256} its run.json and the spec name (the file was changed after the run)`);
  return bytes.toString('utf8');
}
