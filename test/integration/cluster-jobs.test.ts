// The real job and garbage-collector controllers drive Jobs whose pods the
// LocalKubeletStandIn runs as local processes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCluster, waitFor } from '../cluster/harness.ts';
import { CLAIM_ANNOTATION, LocalKubeletStandIn } from '../cluster/pod-executor.ts';

const cluster = useCluster('cluster-jobs');
const LABEL = 'swarmlab.dev/harness-test';
const SELECTOR = `${LABEL}=jobs`;

let kubelet: LocalKubeletStandIn;
let outDir: string;

beforeAll(async () => {
  kubelet = new LocalKubeletStandIn({
    kubeConfig: cluster.kubeConfig,
    namespace: cluster.namespace,
    labelSelector: SELECTOR,
    // busybox stands for "a shell image": its commands run from this machine's PATH.
    images: [
      { image: 'busybox*' },
      // Stands for an image whose ENTRYPOINT takes the container's args, like the runner's.
      { image: 'example.com/entrypoint-image:*', entrypoint: ['sh', '-c', 'cat "$1" > "$HOME/copy-$2" && cp "$HOME/copy-$2" "$OUT/" && echo "$SWARMLAB_POD_MOUNTS"', 'entrypoint'] },
    ],
    maxKillGraceMs: 2000,
  });
  await kubelet.start();
  outDir = mkdtempSync(join(tmpdir(), 'swarmlab-jobs-test-'));
});

afterAll(async () => {
  await kubelet.stop();
  rmSync(outDir, { recursive: true, force: true });
});

function shellJob(name: string, script: string, spec: Partial<NonNullable<V1Job['spec']>>, extra: { volumes?: boolean } = {}): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        metadata: { labels: { [LABEL]: 'jobs' } },
        spec: {
          restartPolicy: 'Never',
          // Matches no node, so on an existing cluster (SWARMLAB_TEST_KUBECONFIG)
          // no real kubelet races the stand-in; the stand-in ignores scheduling.
          nodeSelector: { 'swarmlab.dev/local-kubelet-stand-in': 'only' },
          containers: [
            {
              name: 'main',
              image: 'busybox:1.37',
              command: ['sh', '-c', script],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ...(extra.volumes === true
                ? {
                    volumeMounts: [
                      { name: 'config', mountPath: '/etc/swarmlab' },
                      { name: 'out', mountPath: '/out' },
                    ],
                  }
                : {}),
            },
          ],
          ...(extra.volumes === true
            ? {
                volumes: [
                  { name: 'config', configMap: { name: 'greeting' } },
                  { name: 'out', hostPath: { path: outDir, type: 'Directory' } },
                ],
              }
            : {}),
        },
      },
    },
  };
}

async function jobCondition(name: string, type: 'Complete' | 'Failed'): Promise<V1Job | undefined> {
  const job = await cluster.batch.readNamespacedJob({ namespace: cluster.namespace, name });
  return job.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true ? job : undefined;
}

async function podsOf(job: string): Promise<V1Pod[]> {
  const list = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `job-name=${job}` });
  return list.items;
}

describe('Jobs on the local control plane with the kubelet stand-in', () => {
  it('runs an Indexed Job with 3 completions as 3 local processes and ends Complete', async () => {
    const ns = cluster.namespace;
    await cluster.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'greeting' }, data: { 'greeting.txt': 'hello' } } });
    const job = shellJob(
      'indexed',
      // The mount paths are the container's; the stand-in rewrites them to local dirs.
      'echo "$JOB_COMPLETION_INDEX $(cat /etc/swarmlab/greeting.txt) $POD_NAME" > /out/$JOB_COMPLETION_INDEX.txt',
      { completionMode: 'Indexed', completions: 3, parallelism: 3 },
      { volumes: true },
    );
    await cluster.batch.createNamespacedJob({ namespace: ns, body: job });

    const done = await waitFor('Job indexed to complete', () => jobCondition('indexed', 'Complete'), { timeoutMs: 90_000 });
    expect(done.status?.succeeded).toBe(3);
    expect(done.status?.completedIndexes).toBe('0-2');
    expect(done.status?.failed ?? 0).toBe(0);

    expect(readdirSync(outDir).sort()).toEqual(['0.txt', '1.txt', '2.txt']);
    for (const i of [0, 1, 2]) {
      const [index, greeting, podName] = readFileSync(join(outDir, `${i}.txt`), 'utf8').trim().split(' ');
      expect(index).toBe(String(i));
      expect(greeting).toBe('hello');
      expect(podName).toMatch(new RegExp(`^indexed-${i}-`));
    }

    const runs = kubelet.containerRuns.filter((r) => r.logFile.includes('/indexed-'));
    expect(runs).toHaveLength(3);
    for (const r of runs) {
      expect(r.exitCode).toBe(0);
      expect(r.argv[0]).toBe('sh');
      // The container's mount paths were rewritten to the local dirs standing for them.
      expect(r.argv[2]).toContain(`> ${outDir}/$JOB_COMPLETION_INDEX.txt`);
      expect(r.argv[2]).not.toContain('/etc/swarmlab/');
    }

    const pods = await podsOf('indexed');
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Succeeded');
      const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
      expect(term?.exitCode).toBe(0);
      expect(term?.reason).toBe('Completed');
      expect(term?.startedAt).toBeInstanceOf(Date);
      expect(term?.finishedAt).toBeInstanceOf(Date);
    }
  });

  it('runs a runner-like pod: image entrypoint, args with $(VAR), a configMap under a nested mount and an emptyDir at /tmp', async () => {
    const ns = cluster.namespace;
    const out = join(outDir, 'entrypoint');
    mkdirSync(out);
    await cluster.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'spec' }, data: { 'spec.yaml': 'kind: Experiment' } } });
    const job: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'entrypoint' },
      spec: {
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
        backoffLimit: 0,
        template: {
          metadata: { labels: { [LABEL]: 'jobs' } },
          spec: {
            restartPolicy: 'Never',
            nodeSelector: { 'swarmlab.dev/local-kubelet-stand-in': 'only' },
            containers: [
              {
                name: 'main',
                image: 'example.com/entrypoint-image:1',
                args: ['/etc/swarmlab/spec/spec.yaml', '$(JOB_COMPLETION_INDEX)'],
                env: [
                  { name: 'HOME', value: '/tmp' },
                  { name: 'OUT', value: '/out' },
                ],
                volumeMounts: [
                  { name: 'spec', mountPath: '/etc/swarmlab/spec', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'out', mountPath: '/out' },
                ],
              },
            ],
            volumes: [
              { name: 'spec', configMap: { name: 'spec', items: [{ key: 'spec.yaml', path: 'spec.yaml' }] } },
              { name: 'tmp', emptyDir: {} },
              { name: 'out', hostPath: { path: out, type: 'Directory' } },
            ],
          },
        },
      },
    };
    await cluster.batch.createNamespacedJob({ namespace: ns, body: job });
    await waitFor('Job entrypoint to complete', () => jobCondition('entrypoint', 'Complete'), { timeoutMs: 90_000 });

    expect(readdirSync(out).sort()).toEqual(['copy-0', 'copy-1']);
    expect(readFileSync(join(out, 'copy-0'), 'utf8')).toBe('kind: Experiment');
    const runs = kubelet.containerRuns.filter((r) => r.logFile.includes('/entrypoint-'));
    expect(runs).toHaveLength(2);
    for (const r of runs) {
      // Entrypoint from the mapping, then the container's args: mount path rewritten once, $(VAR) expanded.
      expect(r.argv.slice(0, 2)).toEqual(['sh', '-c']);
      const [specArg, indexArg] = r.argv.slice(-2);
      expect(indexArg).toMatch(/^[01]$/);
      expect(specArg).toMatch(/\/volumes\/spec\/spec\.yaml$/);
      expect(specArg).not.toMatch(/volumes\/tmp/);
      const mounts = JSON.parse(readFileSync(r.logFile, 'utf8').trim()) as Record<string, string>;
      // The kubelet mounts a file at terminationMessagePath (default /dev/termination-log) into every container.
      expect(Object.keys(mounts).sort()).toEqual(['/dev/termination-log', '/etc/swarmlab/spec', '/out', '/tmp']);
      expect(mounts['/out']).toBe(out);
    }
  });

  it('fails a Job whose process exits non-zero once its backoffLimit is exceeded', async () => {
    const ns = cluster.namespace;
    await cluster.batch.createNamespacedJob({ namespace: ns, body: shellJob('failing', 'echo boom >&2; exit 3', { backoffLimit: 1, completions: 1 }) });

    const failed = await waitFor('Job failing to fail', () => jobCondition('failing', 'Failed'), { timeoutMs: 90_000 });
    const cond = failed.status?.conditions?.find((c) => c.type === 'Failed');
    expect(cond?.reason).toBe('BackoffLimitExceeded');
    // backoffLimit 1: the first pod and one retry, both failed.
    expect(failed.status?.failed).toBe(2);
    expect(failed.status?.succeeded ?? 0).toBe(0);

    const pods = await podsOf('failing');
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Failed');
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.reason).toBe('Error');
    }
  });

  it('runs each pod once when two stand-ins watch the same pods (claim annotation)', async () => {
    const ns = cluster.namespace;
    const second = new LocalKubeletStandIn({ kubeConfig: cluster.kubeConfig, namespace: ns, labelSelector: SELECTOR, images: [{ image: 'busybox*' }] });
    await second.start();
    try {
      await cluster.batch.createNamespacedJob({
        namespace: ns,
        body: shellJob('contended', 'echo $JOB_COMPLETION_INDEX', { completionMode: 'Indexed', completions: 4, parallelism: 4 }),
      });
      await waitFor('Job contended to complete', () => jobCondition('contended', 'Complete'), { timeoutMs: 90_000 });
      const runs = [...kubelet.containerRuns, ...second.containerRuns].filter((r) => r.logFile.includes('/contended-'));
      expect(runs).toHaveLength(4);
      const pods = await podsOf('contended');
      expect(pods).toHaveLength(4);
      const claims = pods.map((p) => p.metadata?.annotations?.[CLAIM_ANNOTATION]);
      for (const c of claims) expect([kubelet.instanceId, second.instanceId]).toContain(c);
    } finally {
      await second.stop();
    }
  });

  it('fails a pod claimed by a stand-in that is gone, like a pod on a lost node', async () => {
    const ns = cluster.namespace;
    // A pid that surely exited: a claim naming it on this host is a dead claim.
    const dead = spawnSync('true');
    const claim = `${hostname()}/${dead.pid ?? 999_999}/gone`;
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'orphan', labels: { [LABEL]: 'jobs' }, annotations: { [CLAIM_ANNOTATION]: claim } },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { 'swarmlab.dev/local-kubelet-stand-in': 'only' },
          containers: [{ name: 'main', image: 'busybox:1.37', command: ['true'] }],
        },
      },
    });
    const pod = await waitFor('orphan to fail', async () => {
      const p = await cluster.core.readNamespacedPod({ namespace: ns, name: 'orphan' });
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    expect(pod.status?.reason).toBe('LocalKubeletStandInLost');
    expect(kubelet.containerRuns.some((r) => r.logFile.includes('/orphan-'))).toBe(false);
  });

  for (const propagationPolicy of ['Foreground', 'Background'] as const) {
    it(`deleting a Job with propagationPolicy ${propagationPolicy} removes its pods and kills their processes`, async () => {
      const ns = cluster.namespace;
      const name = `sleepy-${propagationPolicy.toLowerCase()}`;
      await cluster.batch.createNamespacedJob({
        namespace: ns,
        body: shellJob(name, 'echo started; exec sleep 300', { completionMode: 'Indexed', completions: 2, parallelism: 2 }),
      });
      await waitFor(`pods of ${name} running`, async () => {
        const pods = await podsOf(name);
        return pods.length === 2 && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
      });

      await cluster.batch.deleteNamespacedJob({ namespace: ns, name, propagationPolicy });

      await waitFor(`job ${name} and its pods gone`, async () => {
        const pods = await podsOf(name);
        const jobGone = await cluster.batch.readNamespacedJob({ namespace: ns, name }).then(
          () => false,
          (e: unknown) => e instanceof ApiException && e.code === 404,
        );
        return jobGone && pods.length === 0 ? true : undefined;
      });

      // The stand-in saw the deletion and killed both sleeps.
      const runs = await waitFor(`processes of ${name} killed`, async () => {
        const r = kubelet.containerRuns.filter((c) => c.logFile.includes(`/${name}-`));
        return r.length === 2 ? r : undefined;
      });
      for (const r of runs) {
        expect(r.signal).toMatch(/^SIG(TERM|KILL)$/);
        expect(readFileSync(r.logFile, 'utf8')).toContain('started');
      }
    });
  }
});
