import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SwarmlabError, formatPath } from '../errors.ts';
import { strictObject } from '../spec/strict-object.ts';

// The runner configuration: which module packages this runner loads beside
// its built-in ones. It belongs to whoever runs the runner (a project, an
// image), never to an Experiment: a spec only names modules the runner has.

export const CONFIG_FILE = 'swarmlab.config.yaml';
/** Comma-separated module packages or files, resolved from the working directory: how an image names its plugins. */
export const MODULES_ENV = 'SWARMLAB_MODULES';

export const RunnerConfig = strictObject({
  modules: z
    .array(z.string().min(1).max(1024))
    .max(256)
    .default([])
    .describe('Module packages (resolved from node_modules beside the configuration) or files (./path.js, relative to the configuration) to load.'),
}).describe('swarmlab runner configuration.');
export type RunnerConfig = z.infer<typeof RunnerConfig>;

/** A module package or file to load, and where it was named (for errors and relative paths). */
export interface ModuleSpecifier {
  readonly specifier: string;
  /** Directory a relative path or a package name is resolved from. */
  readonly base: string;
  /** The configuration file or environment variable that names it. */
  readonly from: string;
}

function parseConfig(value: unknown, file: string, prefix: readonly PropertyKey[] = []): RunnerConfig {
  const r = RunnerConfig.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new SwarmlabError('INVALID_RUNNER_CONFIG', issue.message, { file, path: formatPath([...prefix, ...issue.path]) || '<root>', hint: `${CONFIG_FILE} holds \`modules: [package or ./file, ...]\`` });
}

function readConfigFile(file: string): RunnerConfig {
  let value: unknown;
  try {
    value = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SwarmlabError('BAD_FILE', `cannot read the runner configuration: ${(e as Error).message}`, { file });
  }
  return parseConfig(value, file);
}

/** The `swarmlab` field of a package.json, or undefined when it has none. */
function readPackageField(file: string): RunnerConfig | undefined {
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SwarmlabError('BAD_FILE', `cannot read package.json: ${(e as Error).message}`, { file });
  }
  if (pkg === null || typeof pkg !== 'object' || !('swarmlab' in pkg)) return undefined;
  return parseConfig((pkg as { swarmlab: unknown }).swarmlab, file, ['swarmlab']);
}

export interface ConfigLookup {
  /** The Experiment file being run, if any: a configuration beside it comes first. */
  readonly experimentFile?: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The modules the runner configuration names. The first of these that exists
 * is the configuration: swarmlab.config.yaml beside the experiment file,
 * swarmlab.config.yaml in the working directory, the `swarmlab` field of the
 * working directory's package.json. SWARMLAB_MODULES adds to it.
 */
export function configuredModules(lookup: ConfigLookup): ModuleSpecifier[] {
  const out: ModuleSpecifier[] = [];
  const candidates = [...(lookup.experimentFile ? [join(dirname(resolve(lookup.cwd, lookup.experimentFile)), CONFIG_FILE)] : []), join(resolve(lookup.cwd), CONFIG_FILE)];
  const file = candidates.find((f) => existsSync(f));
  if (file) {
    for (const specifier of readConfigFile(file).modules) out.push({ specifier, base: dirname(file), from: file });
  } else {
    const pkg = join(resolve(lookup.cwd), 'package.json');
    const field = existsSync(pkg) ? readPackageField(pkg) : undefined;
    for (const specifier of field?.modules ?? []) out.push({ specifier, base: dirname(pkg), from: `${pkg} (swarmlab.modules)` });
  }
  const env = lookup.env[MODULES_ENV];
  for (const specifier of (env ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push({ specifier, base: resolve(lookup.cwd), from: MODULES_ENV });
  return out;
}
