import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The worker processes of `swarmlab run` live and die with the CLI, and there are never more than the runs.
// Workers are found by their parent's pid (Linux /proc), never by name: other sweeps may run on this machine.

const bin = fileURLToPath(new URL('../../../bin/swarmlab.js', import.meta.url));

const experiment = (horizon: number, replicas: number) => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata:
  name: procs
spec:
  scenario:
    modules:
      - { kind: agent, module: poisson-source, name: arrivals, config: { rate: 0.7, target: server } }
      - { kind: agent, module: service-queue, name: server, config: { serviceRate: 1.0 } }
    horizon: { time: ${horizon} }
  sweep:
    seeds: { base: 1, replicas: ${replicas} }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Running (a zombie waiting to be reaped has ended). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs promoted so far (those with their run.json). */
function promoted(store: string): string[] {
  const exp = join(store, 'procs');
  const digest = existsSync(exp) ? readdirSync(exp)[0] : undefined;
  const runs = digest === undefined ? '' : join(exp, digest, 'runs');
  return runs !== '' && existsSync(runs) ? readdirSync(runs).filter((r) => existsSync(join(runs, r, 'run.json'))) : [];
}

/** Starts a sweep of long runs on two workers in its own process group and waits for its first runs. */
async function sweepUnderway() {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-procs-'));
  // Runs of a second or more: a worker that outlived the CLI would still be computing, then promote its run.
  writeFileSync(join(dir, 'exp.yaml'), experiment(50_000, 30));
  const store = join(dir, 'r');
  const cli = spawn(process.execPath, [bin, 'run', 'exp.yaml', '--store', `file://${store}`, '--workers', '2'], { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cli.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => cli.on('exit', (code, signal) => resolve({ code, signal })));
  while (promoted(store).length < 1) await sleep(20);
  const workers = childrenOf(cli.pid!);
  expect(workers).toHaveLength(2);
  return { cli, store, workers, exited, stderr: () => stderr };
}

async function expectNoWorkerLeft(workers: number[], store: string, atExit: string[]): Promise<void> {
  // A worker's watch thread checks every 50 ms; on a loaded machine (CI beside other jobs) it may wait for a CPU for a while.
  const deadline = Date.now() + 5000;
  while (workers.some(alive) && Date.now() < deadline) await sleep(20);
  expect(workers.filter(alive), 'workers still running after the CLI ended').toEqual([]);
  // Anything a surviving worker finished would be promoted by now.
  await sleep(1500);
  expect(promoted(store).sort()).toEqual(atExit.sort());
}

describe('worker processes end with the CLI', { timeout: 60_000 }, () => {
  it('SIGKILL of the CLI mid-sweep: no worker survives, no run is promoted after it died', async () => {
    const s = await sweepUnderway();
    process.kill(s.cli.pid!, 'SIGKILL');
    expect((await s.exited).signal).toBe('SIGKILL');
    await expectNoWorkerLeft(s.workers, s.store, promoted(s.store));
  });

  it('a second Ctrl-C stops at once: exit 130, no worker survives, nothing promoted after the exit', async () => {
    const s = await sweepUnderway();
    // A terminal's Ctrl-C signals the whole process group, workers included.
    process.kill(-s.cli.pid!, 'SIGINT');
    await sleep(100);
    signalIfAlive(-s.cli.pid!, 'SIGINT');
    const { code, signal } = await s.exited;
    // The second Ctrl-C either abandons the runs in flight (130), or, when they had finished before it arrived, ends the process as SIGINT does.
    expect(code === 130 || signal === 'SIGINT', `exit ${String(code)} signal ${String(signal)}: ${s.stderr()}`).toBe(true);
    if (code === 130) expect(s.stderr()).toContain('the runs in flight were abandoned');
    await expectNoWorkerLeft(s.workers, s.store, promoted(s.store));
  });

  it('SIGTERM twice: the same as Ctrl-C twice', async () => {
    const s = await sweepUnderway();
    process.kill(s.cli.pid!, 'SIGTERM');
    await sleep(100);
    signalIfAlive(s.cli.pid!, 'SIGTERM');
    const { code, signal } = await s.exited;
    // As with Ctrl-C: 130, or the default end of SIGTERM when the runs in flight finished before the second signal.
    expect(code === 130 || signal === 'SIGTERM', `exit ${String(code)} signal ${String(signal)}: ${s.stderr()}`).toBe(true);
    await expectNoWorkerLeft(s.workers, s.store, promoted(s.store));
  });
});

describe('--workers N', { timeout: 60_000 }, () => {
  it('forks no more workers than runs, and warns when that is more than the cores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-procs-'));
    writeFileSync(join(dir, 'exp.yaml'), experiment(2000, 3));
    const cli = spawn(process.execPath, [bin, 'run', 'exp.yaml', '--store', `file://${dir}/r`, '--workers', '12', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    cli.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let done = false;
    const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code))).finally(() => (done = true));
    const seen = new Set<number>();
    while (!done) {
      for (const pid of childrenOf(cli.pid!)) seen.add(pid);
      await sleep(2);
    }
    expect(await exited, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ total: 3, succeeded: 3 });
    expect(seen.size).toBeGreaterThan(0);
    expect(seen.size).toBeLessThanOrEqual(3);
    if (3 > availableParallelism()) expect(stderr).toMatch(/warning: 3 worker processes on \d+ cores/);
    else expect(stderr).not.toContain('warning');
  });

  it('warns above the cores, naming the count that would be as fast', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-procs-'));
    const runs = availableParallelism() + 1;
    writeFileSync(join(dir, 'exp.yaml'), experiment(50, runs));
    const r = spawnSync(process.execPath, [bin, 'run', 'exp.yaml', '--store', `file://${dir}/r`, '--workers', '1000', '--json'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${runs} worker processes on ${availableParallelism()} cores`);
  });
});

/** The runs in flight may all have finished, and the CLI exited 130, before a second signal is sent. */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
