import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

// The bad-input case files of test/bad-inputs/: each file is the input itself, headed by `#` lines
// in a fixed order (the format is shared by everyone who adds a case, so any deviation is an error).

export const casesDir = fileURLToPath(new URL('../bad-inputs/', import.meta.url));
export const bin = fileURLToPath(new URL('../../bin/swarmlab.js', import.meta.url));

const HEADER_KEYS = ['case', 'command', 'args', 'exit', 'code', 'path', 'cluster'] as const;
const REQUIRED_KEYS: readonly string[] = ['case', 'exit', 'code', 'cluster'];

const Header = z.strictObject({
  case: z.string().min(1),
  command: z.enum(['plan', 'run', 'validate']).default('plan'),
  args: z.string().optional(),
  exit: z.string().regex(/^[1-9]\d*$/, 'a non-zero exit status').transform(Number),
  code: z.string().regex(/^[A-Z][A-Z_]*$/, 'an error code such as INVALID_SPEC'),
  path: z.string().regex(/^\S+$/, 'a field path without spaces').optional(),
  cluster: z.enum(['rejected', 'invalid', 'none']),
});

export interface BadInputCase {
  readonly file: string;
  readonly name: string;
  readonly case: string;
  readonly command: 'plan' | 'run' | 'validate';
  readonly args: readonly string[];
  readonly exit: number;
  readonly code: string;
  readonly path?: string;
  readonly cluster: 'rejected' | 'invalid' | 'none';
}

/** The header of one case file, or an Error naming the file and what is wrong with its header. */
export function parseCaseHeader(file: string, text: string): BadInputCase {
  const name = file.split('/').pop() ?? file;
  const fail = (why: string): Error => new Error(`test/bad-inputs/${name}: malformed header: ${why}`);
  const fields: Record<string, string> = {};
  let last = -1;
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const m = /^# ([a-z]+): (.*?)\s*$/.exec(line);
    if (!m) throw fail(`line ${JSON.stringify(line)} is not "# key: value"`);
    const [, key, value] = m as unknown as [string, string, string];
    const at = (HEADER_KEYS as readonly string[]).indexOf(key);
    if (at < 0) throw fail(`unknown key "${key}" (known, in this order: ${HEADER_KEYS.join(', ')})`);
    if (at <= last) throw fail(`key "${key}" is repeated or out of order (order: ${HEADER_KEYS.join(', ')})`);
    last = at;
    fields[key] = value;
  }
  const missing = REQUIRED_KEYS.filter((k) => fields[k] === undefined);
  if (missing.length > 0) throw fail(`missing ${missing.join(', ')}`);
  const parsed = Header.safeParse(fields);
  if (!parsed.success) {
    throw fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const h = parsed.data;
  return {
    file,
    name,
    case: h.case,
    command: h.command,
    args: h.args === undefined ? [] : h.args.split(/\s+/).filter(Boolean),
    exit: h.exit,
    code: h.code,
    ...(h.path === undefined ? {} : { path: h.path }),
    cluster: h.cluster,
  };
}

/** Every file of test/bad-inputs/, each parsed or the Error saying why its header is not. */
export function loadCases(): { name: string; parsed: BadInputCase | Error }[] {
  return readdirSync(casesDir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const file = join(casesDir, name);
      try {
        return { name, parsed: parseCaseHeader(file, readFileSync(file, 'latin1')) };
      } catch (e) {
        return { name, parsed: e instanceof Error ? e : new Error(String(e)) };
      }
    });
}

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI in cwd, killed after timeoutMs (a case that is not refused may start a whole sweep). */
export function runCli(args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** At most n of the given async jobs at once: the machine has two cores. */
export function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * The error the CLI reported with this code, as printed by main.ts
 * (`swarmlab: CODE: [file: ][path: ]message`), or from a --json report (`"code"`, `"path"`).
 * Returns the text after the code, with the file prefix removed.
 */
export function reportedError(out: string, code: string, file?: string): string | undefined {
  const line = out.split('\n').find((l) => l.startsWith(`swarmlab: ${code}: `));
  if (line !== undefined) {
    const rest = line.slice(`swarmlab: ${code}: `.length);
    return file !== undefined && rest.startsWith(`${file}: `) ? rest.slice(file.length + 2) : rest;
  }
  for (const l of out.split('\n')) {
    try {
      const j: unknown = JSON.parse(l);
      const e = z.object({ code: z.literal(code), path: z.string().optional(), message: z.string() }).safeParse(j);
      if (e.success) return e.data.path !== undefined ? `${e.data.path}: ${e.data.message}` : e.data.message;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/** Whether the reported error names the field `path` or a field inside it. */
export function namesPath(reported: string, path: string): boolean {
  if (!reported.startsWith(path)) return false;
  const next = reported.charAt(path.length);
  return next === ':' || next === '.' || next === '[' || next === '';
}

/** A small valid Experiment: the base the argument rows patch, and the control the cluster must accept. */
export function validExperimentYaml(name: string): string {
  return `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: ${name}
spec:
  scenario:
    modules:
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.7, target: server } }
      - { kind: agent, module: service-queue, name: server, config: { serviceRate: 1.0 } }
    horizon: { time: 10 }
  sweep:
    seeds: { base: 1, replicas: 2 }
`;
}
