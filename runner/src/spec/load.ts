import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { SwarmlabError, formatPath } from '../errors.ts';
import { Experiment } from './experiment.ts';
import { canonicalJson, sha256 } from './canonical.ts';

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

function readYamlDocument(text: string, file: string): unknown {
  const docs = parseAllDocuments(text, { prettyErrors: true });
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
  return doc.toJS();
}

export function parseExperiment(value: unknown, file = '<input>'): Experiment {
  const result = Experiment.safeParse(value);
  if (!result.success) throw zodToSpecError(result.error, file);
  return result.data;
}

export function zodToSpecError(error: z.ZodError, file: string, prefix: ReadonlyArray<PropertyKey> = [], code: 'INVALID_SPEC' | 'INVALID_MODULE_CONFIG' = 'INVALID_SPEC'): SwarmlabError {
  const issues = error.issues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
  const first = issues[0]!;
  const more = issues.length > 1 ? `; and ${issues.length - 1} more: ${issues.slice(1).map((i) => `${i.path}: ${i.message}`).join('; ')}` : '';
  return new SwarmlabError(code, `${first.message}${more}`, { path: first.path, file });
}

/**
 * The digest of everything that determines run outputs: the scenario and the
 * sweep. Execution hints and the store do not change results, so they are out.
 */
export function specDigest(exp: Experiment): string {
  return sha256(canonicalJson({ name: exp.metadata.name, scenario: exp.spec.scenario, sweep: exp.spec.sweep }));
}
