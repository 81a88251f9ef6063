/**
 * `npm run cluster`: a local Kubernetes control plane (etcd, kube-apiserver,
 * kube-controller-manager), MinIO, the LocalKubeletStandIn and (once it
 * exists) the operator, for trying swarmlab without Docker or a cluster.
 * Ctrl-C stops everything it started.
 *
 * State lives in <repo>/.swarmlab/cluster (git-ignored) and is recreated on
 * every start: the CA, ports and data are fresh each time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type LocalCluster } from '../../test/cluster/control-plane.ts';
import { startObjectStore, type LocalObjectStore } from '../../test/cluster/object-store.ts';
import { LocalKubeletStandIn } from '../../test/cluster/pod-executor.ts';
import { binDir, repoRoot } from '../../test/cluster/versions.ts';

const stateDir = join(repoRoot, '.swarmlab', 'cluster');
const log = (msg: string): void => {
  process.stdout.write(`[cluster] ${msg}\n`);
};

async function main(): Promise<void> {
  const build = spawnSync('bash', [join(repoRoot, 'scripts/cluster/build.sh')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const bins = binDir();

  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  let cluster: LocalCluster | undefined;
  let store: LocalObjectStore | undefined;
  let kubelet: LocalKubeletStandIn | undefined;
  let operator: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    if (operator !== undefined && operator.exitCode === null && operator.signalCode === null) {
      const exited = new Promise((r) => operator?.once('exit', r));
      operator.kill('SIGTERM');
      // The operator releases its Lease on the way out; the apiserver is still up for that.
      const timer = setTimeout(() => operator?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await kubelet?.stop({ keepFiles: true });
    await store?.stop({ keepLogs: true });
    await cluster?.stop({ keepLogs: true });
    log(`stopped; logs kept in ${stateDir}`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    cluster = await startCluster({ dir: join(stateDir, 'control-plane'), binDir: bins, verbose: true });
    store = await startObjectStore({ dir: join(stateDir, 'minio'), binDir: bins, bucket: 'swarmlab', verbose: true });
    kubelet = new LocalKubeletStandIn({
      kubeConfig: cluster.kubeConfig,
      workDir: join(stateDir, 'pods'),
      // Same cwd as the operator, so `file://./results` in scenarios/ is one directory for both.
      defaultWorkingDir: repoRoot,
      log: (m) => log(`kubelet-stand-in: ${m}`),
    });
    await kubelet.start();

    const kubeconfigPath = join(stateDir, 'kubeconfig');
    writeFileSync(kubeconfigPath, cluster.kubeconfigYaml, { mode: 0o600 });
    const s3Env: Record<string, string> = {
      SWARMLAB_S3_ENDPOINT: store.endpoint,
      SWARMLAB_S3_BUCKET: store.bucket,
      AWS_REGION: store.region,
      AWS_ACCESS_KEY_ID: store.accessKeyId,
      AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
    };
    writeFileSync(join(stateDir, 's3.env'), Object.entries(s3Env).map(([k, v]) => `export ${k}=${v}\n`).join(''), { mode: 0o600 });

    const crdDir = join(repoRoot, 'crds');
    const crdFiles = existsSync(crdDir) ? readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
    for (const f of crdFiles) {
      const r = spawnSync(join(bins, 'kubectl'), ['apply', '--server-side', '-f', join(crdDir, f)], {
        env: { ...process.env, KUBECONFIG: kubeconfigPath },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`kubectl apply crds/${f} failed: ${r.stderr}`);
      log(r.stdout.trim());
    }
    if (crdFiles.length > 0) {
      const r = spawnSync(join(bins, 'kubectl'), ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s'], {
        env: { ...process.env, KUBECONFIG: kubeconfigPath },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`CRDs not established: ${r.stderr}`);
    } else {
      log('no CRDs in crds/ yet');
    }

    // Operator hook: the operator (operator/src/main.ts) does not exist yet.
    // Once it does, it is started here against this cluster and store; until
    // then the cluster comes up without it.
    const operatorMain = join(repoRoot, 'operator/src/main.ts');
    if (existsSync(operatorMain)) {
      log('starting operator (operator/src/main.ts)');
      // Experiments without spec.output.store go to MinIO; runner pods get
      // the endpoint and (throwaway, local) credentials as plain env.
      const operatorEnv: Record<string, string> = {
        SWARMLAB_STORE: `s3://${store.bucket}/results`,
        SWARMLAB_RUNNER_ENV: JSON.stringify(s3Env),
      };
      operator = spawn(process.execPath, [operatorMain], {
        stdio: 'inherit',
        // Own process group, so Ctrl-C reaches only us and we stop it first.
        detached: true,
        cwd: repoRoot,
        env: { ...operatorEnv, ...process.env, KUBECONFIG: kubeconfigPath, ...s3Env },
      });
      operator.on('exit', (code, signal) => {
        if (!stopping) {
          log(`operator exited (code ${String(code)}, signal ${String(signal)})`);
          void stop(1);
        }
      });
    } else {
      log('operator/src/main.ts not found: running without the operator');
    }

    log('ready. In another shell:');
    process.stdout.write(`\nexport KUBECONFIG=${kubeconfigPath}\n`);
    process.stdout.write(`export PATH=${bins}:$PATH   # pinned kubectl and helm\n`);
    process.stdout.write(`source ${join(stateDir, 's3.env')}   # MinIO endpoint and credentials\n\n`);
    log(`kubectl apply -f scenarios/<x>.yaml && kubectl get experiments -w   # Ctrl-C here stops everything`);
  } catch (err) {
    log(`failed: ${(err as Error).message}`);
    await stop(1);
  }
}

await main();
