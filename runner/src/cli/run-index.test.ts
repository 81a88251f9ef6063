import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tinySpec } from '../testing/tiny-spec.ts';

// `run-index` as a Job pod runs it: the corrupt-output failpoint and --index-offset.

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));

const spec = tinySpec();

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-run-index-'));
  writeFileSync(join(dir, 'exp.yaml'), spec);
  return dir;
}

function runIndex(dir: string, args: string[], env: Record<string, string> = {}) {
  const { JOB_COMPLETION_INDEX: _drop, SWARMLAB_FAILPOINT: _drop2, ...base } = process.env;
  const r = spawnSync(process.execPath, [bin, 'run-index', '--spec', 'exp.yaml', '--store', `file://${dir}/store`, '--attempt', 'a1', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...base, SWARMLAB_S3_ENDPOINT: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under the experiment root, relative to it (one spec digest per workspace). */
function keys(dir: string): string[] {
  const exp = join(dir, 'store', 'tiny');
  if (!existsSync(exp)) return [];
  const root = join(exp, readdirSync(exp)[0]!);
  return (readdirSync(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1)).sort();
}

describe('run-index', { timeout: 60_000 }, () => {
  it('SWARMLAB_FAILPOINT=corrupt-output: INVALID_OUTPUT naming the line, exit 3, nothing written', () => {
    const dir = workspace();
    const r = runIndex(dir, ['--index', '2'], { SWARMLAB_FAILPOINT: 'corrupt-output' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^swarmlab: INVALID_OUTPUT: .*run-000002: 1 problem\(s\): events\.jsonl line \d+: time: Invalid input/m);
    expect(keys(dir)).toEqual([]);
  });

  it('corrupt-output:<index> only touches that run; without the variable nothing is injected', () => {
    const dir = workspace();
    expect(runIndex(dir, ['--index', '1'], { SWARMLAB_FAILPOINT: 'corrupt-output:4' }).code).toBe(0);
    expect(runIndex(dir, ['--index', '4'], { SWARMLAB_FAILPOINT: 'corrupt-output:4' }).code).toBe(3);
    const clean = runIndex(dir, ['--index', '4']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ run: 'run-000004', index: 4, status: 'succeeded' });
    expect(keys(dir).filter((k) => k.endsWith('run.json')).sort()).toEqual([join('runs', 'run-000001', 'run.json'), join('runs', 'run-000004', 'run.json')]);
  });

  it('an unknown failpoint is a usage error', () => {
    const r = runIndex(workspace(), ['--index', '0'], { SWARMLAB_FAILPOINT: 'tamper-everything' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USAGE: unknown failpoint "tamper-everything"');
  });

  it('--index-offset: the run is offset + index (also from JOB_COMPLETION_INDEX)', () => {
    const dir = workspace();
    const a = runIndex(dir, ['--index', '1', '--index-offset', '3']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ run: 'run-000004', index: 4 });
    const b = runIndex(dir, ['--index-offset', '4'], { JOB_COMPLETION_INDEX: '1' });
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ run: 'run-000005', index: 5 });
    const beyond = runIndex(dir, ['--index', '3', '--index-offset', '3']);
    expect(beyond.code).not.toBe(0);
  });
});
