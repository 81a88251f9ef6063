/**
 * Helpers for integration test files: connection from global setup, a
 * namespace per test file, kubectl, S3, and polling.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, inject } from 'vitest';
import './context.ts';
import type { ClusterConnection } from './context.ts';
import { s3ClientFor } from './object-store.ts';

export interface TestCluster {
  readonly connection: ClusterConnection;
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  /** This test file's namespace (created in beforeAll, deleted in afterAll). */
  readonly namespace: string;
  kubectl(args: string[], opts?: { input?: string }): Promise<KubectlResult>;
  s3(): S3Client;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function connectionFromInject(): ClusterConnection {
  return inject('swarmlabCluster');
}

export function kubeConfigFor(conn: ClusterConnection): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(conn.kubeconfigYaml);
  return kc;
}

export function runKubectl(conn: ClusterConnection, args: string[], opts: { input?: string } = {}): Promise<KubectlResult> {
  return new Promise((resolveRun) => {
    const child = execFile(conn.kubectl, args, { env: { ...process.env, KUBECONFIG: conn.kubeconfigPath }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolveRun({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export interface UseClusterOptions {
  /**
   * Pod Security level the namespace enforces (default `restricted`, what the
   * chart promises for runner and operator pods); `privileged` for tests that
   * need a pod outside it.
   */
  podSecurity?: 'restricted' | 'baseline' | 'privileged';
}

/**
 * Registers beforeAll/afterAll hooks that give this test file its own
 * namespace `<prefix>-<random>`. Use the returned object inside tests only.
 */
export function useCluster(prefix: string, opts: UseClusterOptions = {}): TestCluster {
  let state: { connection: ClusterConnection; kubeConfig: KubeConfig; core: CoreV1Api; batch: BatchV1Api; namespace: string } | undefined;
  const clients: S3Client[] = [];
  const get = (): NonNullable<typeof state> => {
    if (state === undefined) throw new Error('useCluster(): only usable inside tests (after beforeAll)');
    return state;
  };

  beforeAll(async () => {
    const connection = connectionFromInject();
    const kubeConfig = kubeConfigFor(connection);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
    const labels = { 'swarmlab.dev/test': prefix, 'pod-security.kubernetes.io/enforce': opts.podSecurity ?? 'restricted' };
    await core.createNamespace({ body: { metadata: { name: namespace, labels } } });
    state = { connection, kubeConfig, core, batch, namespace };
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    if (state === undefined) return;
    try {
      await state.core.deleteNamespace({ name: state.namespace });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  });

  return {
    get connection() {
      return get().connection;
    },
    get kubeConfig() {
      return get().kubeConfig;
    },
    get core() {
      return get().core;
    },
    get batch() {
      return get().batch;
    },
    get namespace() {
      return get().namespace;
    },
    kubectl: (args, opts) => runKubectl(get().connection, args, opts),
    s3: () => {
      const c = s3ClientFor(get().connection.objectStore);
      clients.push(c);
      return c;
    },
  };
}

/** Polls until `fn` returns a value other than undefined; the last seen state goes into the timeout error. */
/** Fails with `what` if the promise has not settled in time: a hung step names itself instead of a bare test timeout. */
export async function within<T>(what: string, timeoutMs: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError !== undefined ? `: ${String(lastError)}` : ''}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
