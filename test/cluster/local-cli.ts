/**
 * The swarmlab CLI of this checkout, run as a user runs it beside a cluster:
 * to compute what a sweep gives locally, and to fetch what the cluster built.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BUILT_FILES } from 'swarmlab';
import { waitFor, type TestCluster } from './harness.ts';
import { experimentStatus } from './operator-fixture.ts';
import { repoRoot } from './versions.ts';

const bin = join(repoRoot, 'bin/swarmlab.js');

/** The environment that lets the CLI read and write the test cluster's object store. */
export function storeEnv(cluster: TestCluster): NodeJS.ProcessEnv {
  const s = cluster.connection.objectStore;
  return { AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey, AWS_REGION: s.region || 'us-east-1', SWARMLAB_S3_ENDPOINT: s.endpoint };
}

export function swarmlab(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Waits until the Experiment's tables and report are built (ResultsReady),
 * downloads them with `swarmlab results --download` into `into`, and expects
 * each to be the bytes `swarmlab run` wrote in `localSet`.
 */
export async function expectDownloadIsLocal(cluster: TestCluster, name: string, opts: { localSet: string; into: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<void> {
  await waitFor(`${name}'s tables and report`, async () => ((await experimentStatus(cluster, name))?.conditions?.some((c) => c.type === 'ResultsReady' && c.status === 'True') ? true : undefined), { timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 500 });
  const fetched = await swarmlab(['results', name, '-n', cluster.namespace, '--download', opts.into], { KUBECONFIG: cluster.connection.kubeconfigPath, ...storeEnv(cluster), ...opts.env });
  expect(fetched.code, fetched.stderr).toBe(0);
  for (const f of [...BUILT_FILES, 'results-index.json']) {
    expect(readFileSync(join(opts.into, f)).equals(readFileSync(join(opts.localSet, f))), `${f}: the cluster's bytes are swarmlab run's`).toBe(true);
  }
}
