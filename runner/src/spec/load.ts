import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { SwarmlabError, formatPath } from '../errors.ts';
import { Experiment, type RunTrace, type TraceFormat } from './experiment.ts';
import { canonicalJson, sha256 } from './canonical.ts';
import { checkKubectlReading } from './kubectl-yaml.ts';

/** Reads and validates an Experiment file. Every problem names the file and the field path. */
export async function loadExperimentFile(file: string): Promise<Experiment> {
  return (await loadExperimentDocument(file)).experiment;
}

/**
 * The document as written (what `kubectl apply` would send: no defaults
 * filled in) beside its validated, defaulted form.
 */
export async function loadExperimentDocument(file: string): Promise<{ document: Record<string, unknown>; experiment: Experiment }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SwarmlabError('BAD_FILE', `cannot read file: ${(e as Error).message}`, { file });
  }
  const document = readYamlDocument(text, file);
  return { document: document as Record<string, unknown>, experiment: parseExperiment(document, file) };
}

export function parseExperimentText(text: string, file = '<input>'): Experiment {
  return parseExperiment(readYamlDocument(text, file), file);
}

/** Aliases a document may expand; a few suffice for real files, and the limit stops "billion laughs" documents. */
export const MAX_YAML_ALIASES = 100;

function readYamlDocument(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { prettyErrors: true, lineCounter });
  const list = Array.isArray(docs) ? docs : [docs];
  const nonEmpty = list.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length !== 1) {
    throw new SwarmlabError('BAD_FILE', `expected exactly one YAML document, found ${nonEmpty.length}`, { file });
  }
  const doc = nonEmpty[0]!;
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    throw new SwarmlabError('BAD_FILE', `malformed YAML: ${err.message}`, { file });
  }
  checkKubectlReading(doc, lineCounter, file);
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    // The yaml package throws a ReferenceError when the alias limit is exceeded.
    throw new SwarmlabError('BAD_FILE', `the document expands too many YAML aliases (*name); at most ${MAX_YAML_ALIASES} are allowed: ${(e as Error).message}`, {
      file,
      hint: 'write the repeated parts out instead of aliasing them',
    });
  }
}

export function parseExperiment(value: unknown, file = '<input>'): Experiment {
  const result = Experiment.safeParse(value);
  if (!result.success) throw zodToSpecError(result.error, file);
  return result.data;
}

export function zodToSpecError(error: z.ZodError, file: string, prefix: ReadonlyArray<PropertyKey> = [], code: 'INVALID_SPEC' | 'INVALID_MODULE_CONFIG' = 'INVALID_SPEC'): SwarmlabError {
  const issues = error.issues.map((i) => issueAt(i, prefix));
  const first = issues[0]!;
  const more = issues.length > 1 ? `; and ${issues.length - 1} more: ${issues.slice(1).map((i) => `${i.path}: ${i.message}`).join('; ')}` : '';
  return new SwarmlabError(code, `${first.message}${more}`, { path: first.path, file });
}

/** An unknown key is reported at its own path, and its message says which object it is in. */
function issueAt(issue: z.core.$ZodIssue, prefix: ReadonlyArray<PropertyKey>): { path: string; message: string } {
  const at = [...prefix, ...issue.path];
  if (issue.code !== 'unrecognized_keys' || issue.keys.length === 0) return { path: formatPath(at), message: issue.message };
  const where = at.length > 0 ? formatPath(at) : 'the document';
  return { path: formatPath([...at, issue.keys[0]!]), message: issue.message.replace(/^(unknown keys? [^;]+)/, `$1 in ${where}`) };
}

/**
 * The digest of everything that determines run outputs: the scenario, the
 * sweep and the trace (level and format). Execution hints and the store do
 * not change results, so they are out: spec.execution.runsPerPod among them,
 * which only decides which pod runs a run (a run's id, seed and bytes come
 * from its index alone), so a sweep resumed with another block size keeps
 * its result set and skips the runs already promoted. What runners wrote
 * before trace levels and formats, the complete trace as text, leaves the
 * trace out, so that such specs keep their digest; the default Parquet
 * trace is in it.
 */
export function specDigest(exp: Experiment): string {
  const { format, ...trace } = traceOf(exp);
  const digested = format === 'text' ? trace : { ...trace, format };
  return sha256(canonicalJson({ name: exp.metadata.name, scenario: exp.spec.scenario, sweep: exp.spec.sweep, ...(trace.level === 'complete' && format === 'text' ? {} : { trace: digested }) }));
}

/** The spec's trace level and format with their defaults filled in. */
export function traceOf(exp: Experiment): RunTrace & { readonly format: TraceFormat } {
  const t = exp.spec.output.trace;
  const format = t?.format ?? 'parquet';
  if (t === undefined || t.level === 'complete') return { level: 'complete', format };
  if (t.level === 'final') return { level: 'final', format };
  return { level: 'sampled', every: t.every as number, unit: t.unit ?? 'time', format };
}
