import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, limiter, loadCases, namesPath, parseCaseHeader, reportedError, runCli, validExperimentYaml } from './bad-input-cases.ts';

// The bad-input table: every file of test/bad-inputs/ and the rows below are run through the real
// CLI, each in its own temp dir (nothing is written into the repo), four at a time.

const root = mkdtempSync(join(tmpdir(), 'swarmlab-bad-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => {
  const dir = join(root, String(dirs++));
  mkdirSync(dir);
  return dir;
};
const atMostFour = limiter(4);

interface Expected {
  readonly exit: number;
  /** Omitted for commander's own usage errors, which print no code. */
  readonly code?: string;
  readonly path?: string;
}

function expectRefused(r: CliResult, want: Expected, file?: string): void {
  const out = `${r.stderr}\n${r.stdout}`;
  expect(r.signal, `killed (not refused within the time limit); stderr:\n${r.stderr}`).toBeNull();
  expect({ exit: r.status, stderr: r.stderr }).toMatchObject({ exit: want.exit });
  expect(r.stderr, 'no internal error or stack trace').not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  if (want.code === undefined) return;
  const reported = reportedError(out, want.code, file);
  expect(reported, `no "swarmlab: ${want.code}: ..." in the output:\n${out}`).toBeDefined();
  if (want.path !== undefined) {
    expect(namesPath(reported ?? '', want.path), `the error does not name ${want.path}: ${reported}`).toBe(true);
  }
}

const cases = loadCases();

describe('bad-input case files (test/bad-inputs/)', () => {
  it.concurrent.each(cases)('$name', async ({ parsed }) => {
    if (parsed instanceof Error) throw parsed;
    const cwd = freshDir();
    const store = parsed.command === 'run' ? ['--store', `file://${join(cwd, 'store')}`] : [];
    const r = await atMostFour(() => runCli([parsed.command, ...parsed.args, ...store, parsed.file], cwd));
    expectRefused(r, parsed, parsed.file);
  });
});

const experiment = (patch: (yaml: string) => string = (y) => y): string => patch(validExperimentYaml('bad-input-row'));

interface Row extends Expected {
  readonly name: string;
  /** `FILE` stands for the row's input file (written from `content`, else a path that does not exist). */
  readonly args: readonly string[];
  readonly content?: string | Buffer;
  /** Create FILE as a directory. */
  readonly dir?: boolean;
  /** A file at this path below the row's dir, before the command runs. */
  readonly blocker?: string;
}

const rows: readonly Row[] = [
  { name: '--workers 0', args: ['run', '--workers', '0', 'FILE'], content: experiment(), exit: 2, code: 'USAGE' },
  { name: '--workers abc', args: ['run', '--workers', 'abc', 'FILE'], content: experiment(), exit: 2, code: 'USAGE' },
  { name: 'run-index --index -1', args: ['run-index', '--spec', 'FILE', '--index', '-1'], content: experiment(), exit: 2, code: 'USAGE' },
  { name: 'unknown command', args: ['frobnicate', 'FILE'], content: experiment(), exit: 2 },
  { name: 'unknown option', args: ['plan', '--bogus', 'FILE'], content: experiment(), exit: 2 },
  { name: 'run of a missing file', args: ['run', 'FILE'], exit: 2, code: 'BAD_FILE' },
  { name: 'a directory given as the file', args: ['plan', 'FILE'], dir: true, exit: 2, code: 'BAD_FILE' },
  { name: 'an empty file', args: ['plan', 'FILE'], content: '', exit: 2, code: 'BAD_FILE' },
  { name: 'two YAML documents', args: ['plan', 'FILE'], content: `${experiment()}---\n${experiment()}`, exit: 2, code: 'BAD_FILE' },
  // Fixed bytes (not random): the same input every run, with NULs and invalid UTF-8.
  { name: 'binary garbage', args: ['plan', 'FILE'], content: Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 151 + 7) % 256)), exit: 2, code: 'INVALID_SPEC' },
  { name: 'validate of a path that does not exist', args: ['validate', 'FILE'], exit: 2, code: 'BAD_FILE' },
  { name: '--store with a bad scheme', args: ['run', '--store', 'ftp://x', 'FILE'], content: experiment(), exit: 2, code: 'STORE_UNAVAILABLE' },
  // Node's recursive mkdir never returned here (mkdir(2) answers ENOENT under /proc, which exists).
  // A file where the experiment's folder goes: its mkdir fails with ENOTDIR, for root too (unlike a mode).
  { name: 'experiment folder not writable', args: ['run', 'FILE'], content: experiment(), blocker: 'store/bad-input-row', exit: 2, code: 'STORE_UNAVAILABLE' },
  { name: '--store file:///proc/x', args: ['run', '--store', 'file:///proc/x', 'FILE'], content: experiment(), exit: 2, code: 'STORE_UNAVAILABLE' },
  { name: 'wrong apiVersion', args: ['plan', 'FILE'], content: experiment((y) => y.replace('swarmlab.io/v1alpha1', 'swarmlab.io/v9')), exit: 2, code: 'INVALID_SPEC', path: 'apiVersion' },
  { name: 'wrong kind', args: ['plan', 'FILE'], content: experiment((y) => y.replace('kind: Experiment', 'kind: Pod')), exit: 2, code: 'INVALID_SPEC', path: 'kind' },
  { name: 'metadata.name not a DNS label', args: ['plan', 'FILE'], content: experiment((y) => y.replace('name: bad-input-row', 'name: Not_A_Label')), exit: 2, code: 'INVALID_SPEC', path: 'metadata.name' },
  { name: 'sweep too large', args: ['plan', 'FILE'], content: experiment((y) => y.replace('replicas: 2 }', 'replicas: 5 }\n    maxRuns: 3')), exit: 2, code: 'SWEEP_TOO_LARGE', path: 'spec.sweep.maxRuns' },
  { name: 'unknown module', args: ['plan', 'FILE'], content: experiment((y) => y.replace('module: service-queue', 'module: no-such-module')), exit: 2, code: 'UNKNOWN_MODULE', path: 'spec.scenario.modules[1].module' },
  { name: 'bad semver range in version', args: ['plan', 'FILE'], content: experiment((y) => y.replace('module: service-queue,', 'module: service-queue, version: "not a range!!",')), exit: 2, code: 'INVALID_SPEC', path: 'spec.scenario.modules[1].version' },
  { name: 'missing scenario', args: ['plan', 'FILE'], content: experiment((y) => y.replace(/ {2}scenario:[\s\S]*?horizon: .*\n/, '')), exit: 2, code: 'INVALID_SPEC', path: 'spec.scenario' },
  { name: 'horizon with neither time nor events', args: ['plan', 'FILE'], content: experiment((y) => y.replace('horizon: { time: 10 }', 'horizon: {}')), exit: 2, code: 'INVALID_SPEC', path: 'spec.scenario.horizon' },
  { name: 'seeds with both replicas and list', args: ['plan', 'FILE'], content: experiment((y) => y.replace('replicas: 2', 'replicas: 2, list: [1, 2]')), exit: 2, code: 'INVALID_SPEC', path: 'spec.sweep.seeds' },
  { name: 'latency rule fixed without value', args: ['plan', 'FILE'], content: experiment((y) => y.replace('    horizon:', '    latency:\n      - { name: slow, model: fixed }\n    horizon:')), exit: 2, code: 'INVALID_SPEC', path: 'spec.scenario.latency[0].value' },
];

describe('bad-input argument rows', () => {
  it.concurrent.each(rows)('$name', async (row) => {
    const cwd = freshDir();
    const file = join(cwd, row.content instanceof Buffer ? 'input.bin' : 'input.yaml');
    if (row.dir) mkdirSync(file);
    else if (row.content !== undefined) writeFileSync(file, row.content);
    if (row.blocker !== undefined) {
      mkdirSync(dirname(join(cwd, row.blocker)), { recursive: true });
      writeFileSync(join(cwd, row.blocker), '');
    }
    const store = row.args[0] === 'run' && !row.args.includes('--store') ? ['--store', `file://${join(cwd, 'store')}`] : [];
    const args = [...row.args.slice(0, 1), ...store, ...row.args.slice(1)].map((a) => (a === 'FILE' ? file : a));
    const r = await atMostFour(() => runCli(args, cwd));
    expectRefused(r, row, file);
  });
});

describe('--json: an input error is also JSON on stdout, for every command that takes --json', () => {
  const bad = experiment((y) => y.replace('replicas: 2 }', 'replicas: 2 }\n    gird: []'));
  const jsonRows = [
    { args: ['run', 'FILE', '--json'], code: 'INVALID_SPEC', path: 'spec.sweep.gird' },
    { args: ['plan', 'FILE', '--json'], code: 'INVALID_SPEC', path: 'spec.sweep.gird' },
    { args: ['submit', 'FILE', '--json'], code: 'INVALID_SPEC', path: 'spec.sweep.gird' },
    { args: ['validate', 'FILE', '--json'], code: 'BAD_FILE' },
    { args: ['results', '--json'], code: 'USAGE' },
    { args: ['run', '--workers', 'x', 'FILE', '--json'], code: 'USAGE' },
  ];
  it.concurrent.each(jsonRows)('$args', async (row) => {
    const cwd = freshDir();
    const file = join(cwd, 'input.yaml');
    if (row.args[0] !== 'validate') writeFileSync(file, bad);
    const r = await atMostFour(() => runCli(row.args.map((a) => (a === 'FILE' ? file : a)), cwd));
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout) as { error: { code: string; path?: string; message: string; exit: number } };
    expect(out.error).toMatchObject({ code: row.code, exit: 2, message: expect.any(String) });
    if (row.path !== undefined) expect(out.error.path).toBe(row.path);
    expect(r.stderr, 'people still get the error on stderr').toMatch(row.code === 'USAGE' ? /error:|swarmlab: USAGE: / : new RegExp(`swarmlab: ${row.code}: `));
  });
});

describe('the bad-input table', () => {
  it('has at least 60 cases (files and argument rows)', () => {
    expect(cases.length + rows.length).toBeGreaterThanOrEqual(60);
  });

  it('refuses a case header with an unknown key, a key out of order or a missing key, naming the file', () => {
    const ok = '# case: x\n# exit: 2\n# code: INVALID_SPEC\n# cluster: none\nkind: X\n';
    expect(parseCaseHeader('/d/ok.yaml', ok)).toMatchObject({ name: 'ok.yaml', command: 'plan', exit: 2, args: [] });
    expect(() => parseCaseHeader('/d/a.yaml', ok.replace('# exit', '# exitt'))).toThrow(/a\.yaml: .*unknown key "exitt"/);
    expect(() => parseCaseHeader('/d/b.yaml', '# exit: 2\n# case: x\n# code: C\n# cluster: none\n')).toThrow(/b\.yaml: .*out of order/);
    expect(() => parseCaseHeader('/d/c.yaml', ok.replace('# cluster: none\n', ''))).toThrow(/c\.yaml: .*missing cluster/);
    expect(() => parseCaseHeader('/d/d.yaml', ok.replace('# cluster: none', '# cluster: maybe'))).toThrow(/d\.yaml: .*cluster/);
    expect(() => parseCaseHeader('/d/e.yaml', ok.replace('# exit: 2', '#exit:2'))).toThrow(/e\.yaml: .*not "# key: value"/);
  });
});
