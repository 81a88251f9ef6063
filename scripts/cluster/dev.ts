/**
 * `npm run cluster`: a local Kubernetes cluster with a real node (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler; containerd, the
 * kubelet and kube-proxy in their own network namespace), MinIO, the swarmlab
 * image built here and imported into the node, and the operator, for trying
 * swarmlab without Docker or a cloud cluster. Needs Linux and root: it checks
 * that first (docs/local-cluster.md says what it changes on the machine).
 * Ctrl-C stops everything it started and removes what it created.
 *
 * State lives in <repo>/.swarmlab/cluster (git-ignored) and is recreated on
 * every start: the CA, ports and data are fresh each time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type LocalCluster } from '../../test/cluster/control-plane.ts';
import { ensureImage } from '../../test/cluster/image.ts';
import { missingNodePrerequisites, startNode, type LocalNode } from '../../test/cluster/node.ts';
import { createNodeNetwork, type NodeNetwork } from '../../test/cluster/node-network.ts';
import { startObjectStore, type LocalObjectStore } from '../../test/cluster/object-store.ts';
import { binDir, repoRoot } from '../../test/cluster/versions.ts';

const stateDir = join(repoRoot, '.swarmlab', 'cluster');
const log = (msg: string): void => {
  process.stdout.write(`[cluster] ${msg}\n`);
};

async function main(): Promise<void> {
  const build = spawnSync('bash', [join(repoRoot, 'scripts/cluster/build.sh')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const bins = binDir();
  const missing = missingNodePrerequisites(bins);
  if (missing.length > 0) {
    process.stderr.write(`npm run cluster needs a real node, and this machine lacks:\n  - ${missing.join('\n  - ')}\n`);
    process.exit(1);
  }
  log('building (or reusing) the swarmlab image');
  const image = await ensureImage();
  log(`image ${image.chartRef} = ${image.ref}`);

  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  let cluster: LocalCluster | undefined;
  let store: LocalObjectStore | undefined;
  let network: NodeNetwork | undefined;
  let node: LocalNode | undefined;
  let operator: ChildProcess | undefined;
  let stopping = false;
  const stop = async (exitCode: number): Promise<void> => {
    let code = exitCode;
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
    for (const step of [() => node?.stop({ keepLogs: true }), () => store?.stop({ keepLogs: true }), () => cluster?.stop({ keepLogs: true })]) {
      try {
        await step();
      } catch (err) {
        log(`while stopping: ${(err as Error).message}`);
        code = code === 0 ? 1 : code;
      }
    }
    network?.destroy();
    log(`stopped; logs kept in ${stateDir}`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    network = createNodeNetwork();
    log(`node network ${network.netns}: host ${network.hostIp} on ${network.hostInterface}, pods ${network.podCidr}`);
    cluster = await startCluster({ dir: join(stateDir, 'control-plane'), binDir: bins, verbose: true, bindAddress: network.hostIp });
    store = await startObjectStore({ dir: join(stateDir, 'minio'), binDir: bins, bucket: 'swarmlab', verbose: true, bindAddress: network.hostIp });
    node = await startNode({
      dir: join(stateDir, 'node'),
      binDir: bins,
      network,
      server: cluster.server,
      pki: cluster.pki,
      imageArchives: [image.archive],
      verbose: true,
    });

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
