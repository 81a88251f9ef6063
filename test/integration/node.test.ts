// The local cluster's node is a real one: the kubelet runs pods as containers
// of the swarmlab image built here, under the restricted Pod Security profile,
// with the kernel enforcing the user, the read-only root file system and the
// memory limit, and pods reach the API server through the kubernetes Service
// with the projected service account token.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useCluster, waitFor } from '../cluster/harness.ts';

const cluster = useCluster('node');

/** Containers that satisfy the restricted Pod Security profile. */
const restricted = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function pod(name: string, script: string, memory = '256Mi'): V1Pod {
  return {
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'main',
          image: cluster.connection.image.ref,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', script],
          resources: { requests: { cpu: '100m', memory }, limits: { cpu: '1', memory } },
          securityContext: restricted,
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        },
      ],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    },
  };
}

async function finished(name: string): Promise<V1Pod> {
  return waitFor(`pod ${name} to finish`, async () => {
    const p = await cluster.core.readNamespacedPod({ name, namespace: cluster.namespace });
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500 });
}

describe('the local node', () => {
  it('is one Ready node running containerd', async () => {
    const nodes = await cluster.core.listNode();
    expect(nodes.items).toHaveLength(1);
    const node = nodes.items[0];
    expect(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node?.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\/v?2\./);
    expect(node?.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\.35\./);
  });

  it('runs the built image as uid 65532 on a read-only root, and the pod reaches the API server with its token', async () => {
    // useCluster's namespace enforces the restricted profile: a privileged pod is refused.
    const refused = await cluster.core
      .createNamespacedPod({ namespace: cluster.namespace, body: { ...pod('refused', '0'), spec: { ...pod('refused', '0').spec, containers: [{ name: 'main', image: cluster.connection.image.ref, securityContext: { privileged: true } }] } } })
      .then(() => 'created', (err: unknown) => String((err as { body?: unknown }).body ?? err));
    expect(refused).toContain('violates PodSecurity');
    expect(refused).toContain('restricted');

    const script = `
      const fs = require('node:fs');
      let rootWrite = 'written';
      try { fs.writeFileSync('/app/probe', 'x'); } catch (e) { rootWrite = e.code; }
      const token = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/token', 'utf8');
      const ca = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
      const url = 'https://' + process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT + '/api/v1/namespaces/' +
        fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8') + '/pods';
      require('node:https').get(url, { ca, headers: { Authorization: 'Bearer ' + token } }, (res) => {
        res.resume();
        console.log(JSON.stringify({ uid: process.getuid(), rootWrite, api: res.statusCode, host: process.env.KUBERNETES_SERVICE_HOST }));
      }).on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(3); });
    `;
    await cluster.core.createNamespacedPod({ namespace: cluster.namespace, body: pod('probe', script) });
    const done = await finished('probe');
    const logs = await cluster.kubectl(['logs', '-n', cluster.namespace, 'probe']);
    expect(done.status?.phase, logs.stdout + logs.stderr).toBe('Succeeded');
    const seen = JSON.parse(logs.stdout.trim()) as { uid: number; rootWrite: string; api: number; host: string };
    // The default service account may not list pods: a 403 proves the token was checked, not ignored.
    expect(seen).toEqual({ uid: 65532, rootWrite: 'EROFS', api: 403, host: '10.0.0.1' });
    expect(done.status?.podIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
  });

  it('OOM-kills a container over its memory limit with exit code 137', async () => {
    const hog = 'const keep = []; for (;;) keep.push(Buffer.alloc(8 * 1024 * 1024, 1));';
    await cluster.core.createNamespacedPod({ namespace: cluster.namespace, body: pod('hog', hog, '64Mi') });
    const done = await finished('hog');
    expect(done.status?.phase).toBe('Failed');
    const terminated = done.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.reason).toBe('OOMKilled');
    expect(terminated?.exitCode).toBe(137);
  });
});
