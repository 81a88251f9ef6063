// Just enough of the Dockerfile and .dockerignore grammars for the static
// image checks: instructions with line continuations, stages, COPY arguments,
// and Docker's last-match-wins ignore patterns.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== '' && line.trimStart().startsWith('#')) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    pending += line;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(pending);
    if (m?.[1] !== undefined) instructions.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? '').replace(/\s+/g, ' ').trim(), line: start });
    pending = '';
  });

  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m?.[1]) throw new Error(`line ${ins.line}: cannot parse FROM ${ins.args}`);
      stages.push({ base: m[1].replace(/^\$\{?(\w+)\}?$/, (_, name: string) => args.get(name) ?? `$${name}`), name: m[2], instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current) current.instructions.push(ins);
    else if (ins.keyword === 'ARG') {
      const [name, value] = ins.args.split('=');
      if (name !== undefined && value !== undefined) args.set(name, value);
    }
  }
  return { args, stages };
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  line: number;
}

export function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
    .map((i) => {
      const words = i.args.startsWith('[') ? (JSON.parse(i.args) as string[]) : i.args.split(' ');
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      const dest = paths.at(-1);
      if (dest === undefined || paths.length < 2) throw new Error(`line ${i.line}: COPY needs a source and a destination`);
      return { from, sources: paths.slice(0, -1), dest, line: i.line };
    });
}

export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) if (m[1] && m[2]) env.set(m[1], m[2].replace(/^"|"$/g, ''));
  }
  return env;
}

export function labelsOf(stage: Stage): Map<string, string> {
  const labels = new Map<string, string>();
  for (const i of stage.instructions.filter((x) => x.keyword === 'LABEL')) {
    for (const m of i.args.matchAll(/([\w.-]+)=("[^"]*"|\S+)/g)) if (m[1] && m[2]) labels.set(m[1], m[2].replace(/^"|"$/g, ''));
  }
  return labels;
}

interface IgnoreRule {
  negate: boolean;
  pattern: RegExp;
  text: string;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const body = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, pattern: globToRegExp(body), text: l };
    });
}

/** Docker's rule: the last pattern matching the path or one of its parent directories decides. */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.pattern.test(c))) ignored = !rule.negate;
  }
  return ignored;
}

/** Every file under `path` (a file or directory, relative to `root`), as repo-relative POSIX paths. */
export function filesUnder(root: string, path: string): string[] {
  const abs = join(root, path);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(abs);
  return out.sort();
}

export function readText(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}
