// The project's image, built here without Docker (scripts/image/build.sh):
// reproducible, and running a Job pod's command as the chart runs it (uid
// 65532, read-only root file system, /tmp the only writable place) with the
// same run digest as `swarmlab run` outside any container, and the results
// Job's command building the same tables and report as `swarmlab run` does.
import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImage, podman, type BuiltImage } from '../cluster/image.ts';
import { repoRoot } from '../cluster/versions.ts';

const work = mkdtempSync(join(tmpdir(), 'swarmlab-image-test-'));
let image: BuiltImage;

beforeAll(async () => {
  image = await ensureImage();
}, 900_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** podman run with what the chart's pod security context asks for. */
function runAsPod(args: string[], mounts: string[] = []): ReturnType<typeof podman> {
  return podman(image, [
    'run', '--rm', '--network', 'none', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges', ...mounts.flatMap((m) => ['-v', m]), ...args,
  ]);
}

describe('the swarmlab image', () => {
  // The first build may be hours old (the cache); --rebuild builds the node
  // base and the image again from the same pinned inputs with no cache at all.
  // The Debian root file system tarball is the one cached input not rebuilt:
  // the mirror moves, so its sha256 is checked instead.
  it('is rebuilt with the same image ID from the same inputs', { timeout: 900_000 }, async () => {
    const again = await ensureImage({ rebuild: true });
    expect(again.imageId).toBe(image.imageId);
    expect(again.rebuiltBaseImageId).toBe(image.baseImageId);
    expect(again.rebuiltImageId).toBe(image.imageId);
  });

  it('runs as uid 65532 with a read-only root file system', async () => {
    const r = await runAsPod(['--entrypoint', 'sh', image.ref, '-c', 'id -u; id -g; touch /app/probe 2>&1; touch /tmp/probe && echo tmp-writable']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('65532');
    expect(lines[1]).toBe('65532');
    expect(lines[2]).toMatch(/Read-only file system/);
    expect(lines[3]).toBe('tmp-writable');
  });

  it('runs run-index as a Job pod would, with the same run digest as swarmlab run outside it', { timeout: 300_000 }, async () => {
    const spec = join(work, 'experiment.yaml');
    copyFileSync(join(repoRoot, 'scenarios/mm1-queue.yaml'), spec);
    const podStore = join(work, 'pod-store');
    mkdirSync(podStore);
    chownSync(podStore, 65532, 65532);
    const r = await runAsPod(
      ['-e', 'JOB_COMPLETION_INDEX=1', '-e', 'HOSTNAME=pod-1', image.ref, 'run-index', '--spec', '/etc/swarmlab/experiment.yaml', '--store', 'file:///store'],
      [`${spec}:/etc/swarmlab/experiment.yaml:ro`, `${podStore}:/store`],
    );
    expect(r.code, r.stderr).toBe(0);
    const inPod = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { run: string; status: string; digest: string };
    expect(inPod).toMatchObject({ run: 'run-000001', status: 'succeeded' });

    const hostStore = join(work, 'host-store');
    const host = spawnSync(process.execPath, [join(repoRoot, 'bin/swarmlab.js'), 'run', spec, '--store', `file://${hostStore}`, '--json'], { encoding: 'utf8' });
    expect(host.status, host.stderr).toBe(0);
    const summary = JSON.parse(host.stdout) as { manifest: string };
    const manifest = JSON.parse(readFileSync(new URL(summary.manifest), 'utf8')) as { runs: Array<{ run_id: string; digest: string }> };
    const hostRun = manifest.runs.find((x) => x.run_id === 'run-000001');
    expect(inPod.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(inPod.digest).toBe(hostRun?.digest);
  });

  it('runs a block of run-index with a worker pool (--runs-per-pod 4 --workers 2), each run with the digest of swarmlab run outside it', { timeout: 300_000 }, async () => {
    const spec = join(work, 'experiment-block.yaml');
    copyFileSync(join(repoRoot, 'scenarios/mm1-queue.yaml'), spec);
    const podStore = join(work, 'block-pod-store');
    mkdirSync(podStore);
    chownSync(podStore, 65532, 65532);
    // Index 1 of blocks of 4: runs 4-7, in two forked worker processes under the read-only root.
    const r = await runAsPod(
      ['-e', 'JOB_COMPLETION_INDEX=1', '-e', 'HOSTNAME=pod-b', image.ref, 'run-index', '--spec', '/etc/swarmlab/experiment.yaml', '--index', '1', '--runs-per-pod', '4', '--workers', '2', '--store', 'file:///store'],
      [`${spec}:/etc/swarmlab/experiment.yaml:ro`, `${podStore}:/store`],
    );
    expect(r.code, r.stderr).toBe(0);
    const inPod = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { run: string; status: string; digest: string });
    expect(inPod.map((x) => `${x.run}:${x.status}`).sort()).toEqual(['run-000004:succeeded', 'run-000005:succeeded', 'run-000006:succeeded', 'run-000007:succeeded']);

    const host = spawnSync(process.execPath, [join(repoRoot, 'bin/swarmlab.js'), 'run', spec, '--store', `file://${join(work, 'block-host-store')}`, '--json'], { encoding: 'utf8' });
    expect(host.status, host.stderr).toBe(0);
    const summary = JSON.parse(host.stdout) as { manifest: string };
    const manifest = JSON.parse(readFileSync(new URL(summary.manifest), 'utf8')) as { runs: Array<{ run_id: string; digest: string }> };
    for (const run of inPod) {
      expect(run.digest, run.run).toMatch(/^[0-9a-f]{64}$/);
      expect(run.digest, run.run).toBe(manifest.runs.find((x) => x.run_id === run.run)?.digest);
    }
  });

  it('runs the results Job\'s command: the same tables, statistics and report as swarmlab run builds outside it', { timeout: 300_000 }, async () => {
    const spec = join(work, 'experiment-results.yaml');
    copyFileSync(join(repoRoot, 'scenarios/mm1-queue.yaml'), spec);
    const hostStore = join(work, 'results-host-store');
    const host = spawnSync(process.execPath, [join(repoRoot, 'bin/swarmlab.js'), 'run', spec, '--store', `file://${hostStore}`, '--json'], { encoding: 'utf8' });
    expect(host.status, host.stderr).toBe(0);
    const summary = JSON.parse(host.stdout) as { results: string; tables: Record<string, string> };
    const tables = Object.keys(summary.tables).sort();
    expect(tables).toEqual(['report.html', 'results-index.json', 'results.csv', 'results.parquet', 'statistics.csv', 'statistics.parquet']);

    // The pod sees what the operator leaves behind: the manifest and the runs, no tables yet.
    const podStore = join(work, 'results-pod-store');
    cpSync(new URL(summary.results), join(podStore, 'set'), { recursive: true });
    for (const t of tables) rmSync(join(podStore, 'set', t));
    spawnSync('chown', ['-R', '65532:65532', podStore]);
    const r = await runAsPod([image.ref, 'results', 'file:///store/set', '--json'], [`${podStore}:/store`]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { sets: Array<{ builtTables: boolean; counts: { succeeded: number } }> };
    expect(out.sets).toMatchObject([{ builtTables: true, counts: { succeeded: 16 } }]);
    for (const t of tables) {
      expect(readFileSync(join(podStore, 'set', t)).equals(readFileSync(new URL(summary.tables[t] ?? ''))), t).toBe(true);
    }
  });
});
