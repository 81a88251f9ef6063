/**
 * LocalKubeletStandIn: NOT a kubelet. No kubelet can run on these machines
 * (no container runtime), so this stands in for one in tests and in
 * `npm run cluster`: it watches Pods, runs each container's command as a local
 * process, and reports the outcome through the Pod's status subresource so
 * that the real job controller completes or fails the Job.
 *
 * What it does model: env (value, fieldRef, configMapKeyRef, secretKeyRef,
 * envFrom, $(VAR) expansion), command/args, workingDir, configMap/secret/
 * downwardAPI/projected/emptyDir/hostPath volumes (materialised in a temp dir;
 * mount paths are rewritten in command, args, env and workingDir, and the
 * mapping is exported as SWARMLAB_POD_MOUNTS), init containers, restartPolicy
 * OnFailure, pod phase/conditions/containerStatuses with exit codes and times,
 * termination messages (a file at terminationMessagePath, whose path is
 * rewritten like a mount; else, with FallbackToLogsOnError, the log's tail),
 * and deletion (the process group is killed).
 * What it does not: images (an image maps to a local command prefix),
 * scheduling (pods stay without nodeName, as in Kubernetes' own Job
 * integration tests), resources, probes, networking, sidecars, `kubectl logs`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  CoreV1Api,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type Informer,
  type KubeConfig,
  type V1ConfigMap,
  type V1Container,
  type V1ContainerStatus,
  type V1EnvVar,
  type V1ObjectFieldSelector,
  type V1Pod,
  type V1PodCondition,
  type V1Secret,
  type V1Volume,
} from '@kubernetes/client-node';
import { repoRoot } from './versions.ts';

export interface ImageMapping {
  /** Image reference glob; `*` matches any run of characters (e.g. `ghcr.io/swarmlab/runner:*`). */
  image: string;
  /** Stands for the image's ENTRYPOINT when the container has no `command`. */
  entrypoint?: string[];
  /** Stands for the image's CMD when the container has neither `command` nor `args`. */
  cmd?: string[];
  /** Executables named by `command[0]` mapped to local argv prefixes (others run from PATH). */
  commands?: Record<string, string[]>;
  /** Extra env, standing for the image's ENV. */
  env?: Record<string, string>;
}

/** swarmlab's images run the local build (bin/swarmlab.js) with this Node. */
export function defaultImageMappings(): ImageMapping[] {
  const runner = [process.execPath, join(repoRoot, 'bin/swarmlab.js')];
  return [
    {
      // The runner image (ADR 0002: its ENTRYPOINT is the swarmlab CLI), whatever its name and tag.
      image: 'ghcr.io/swarmlab/*',
      entrypoint: runner,
      commands: { swarmlab: runner, node: [process.execPath] },
    },
  ];
}

export const SWARMLAB_POD_SELECTOR = 'app.kubernetes.io/managed-by=swarmlab';

export interface LocalKubeletStandInOptions {
  kubeConfig: KubeConfig;
  /** Only pods in this namespace (default: all namespaces). */
  namespace?: string;
  /** Label selector for the pods this stand-in owns (default: app.kubernetes.io/managed-by=swarmlab). */
  labelSelector?: string;
  /** Image to local command mappings; first match wins (default: defaultImageMappings()). */
  images?: ImageMapping[];
  /** Where per-pod dirs (volumes, logs, cwd) go; a fresh temp dir by default. */
  workDir?: string;
  /**
   * cwd of containers that set no workingDir (default: a fresh dir per pod).
   * `npm run cluster` uses the repo root, so relative `file://./results`
   * stores mean the same directory to the runner pods as to the operator.
   */
  defaultWorkingDir?: string;
  /** Upper bound on terminationGracePeriodSeconds when killing, in ms. */
  maxKillGraceMs?: number;
  /** How long a pod may wait for a missing ConfigMap/Secret before it fails. */
  configWaitMs?: number;
  /** Periodic relist interval; informers do not resync by themselves. */
  resyncMs?: number;
  log?: (msg: string) => void;
}

/** Outcome of one container run, as the stand-in recorded it. */
export interface ContainerRun {
  name: string;
  argv: string[];
  cwd: string;
  exitCode: number;
  signal: string | null;
  logFile: string;
}

interface PodRun {
  key: string;
  uid: string;
  namespace: string;
  name: string;
  dir: string;
  pids: Set<number>;
  deleted: boolean;
  runs: ContainerRun[];
  done: Promise<void>;
}

const MOUNTS_ENV = 'SWARMLAB_POD_MOUNTS';

/** Process groups of running containers, killed if we exit without stop(). */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
/** Which stand-in instance runs a pod (`<host>/<pid>/<random>`); stands in for spec.nodeName. */
export const CLAIM_ANNOTATION = 'swarmlab.dev/local-kubelet-stand-in';

/** A claim is dead when it names this host and a pid that no longer exists; other hosts' claims count as alive. */
function claimHolderAlive(claim: string | undefined): boolean {
  if (claim === undefined) return false;
  const [host, pid] = claim.split('/');
  if (host !== hostname() || pid === undefined) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class PodFailure extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

// Dates serialise as RFC 3339 with milliseconds, which metav1.Time accepts.
const now = (): Date => new Date();

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Kubernetes $(VAR) expansion: defined vars are substituted, $$ escapes, unknown refs stay literal. */
export function expandVars(s: string, vars: ReadonlyMap<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m: string, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : m;
  });
}

/**
 * Replaces container paths under a mount with the local dir standing for it.
 * One pass with the longest mount first, so a rewritten path is never
 * rewritten again by a shorter mount (e.g. `/tmp` after `/etc/spec`).
 */
export function rewritePaths(s: string, mounts: ReadonlyArray<readonly [string, string]>): string {
  if (mounts.length === 0) return s;
  const sorted = [...mounts].sort((a, b) => b[0].length - a[0].length);
  const local = new Map(sorted);
  const alternatives = sorted.map(([m]) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(`(^|[\\s=:,;'"<>(\`])(${alternatives})(?=$|[/\\s'":,;)\`])`, 'g');
  return s.replace(re, (_m, pre: string, mount: string) => `${pre}${local.get(mount) ?? mount}`);
}

function fieldRefValue(pod: V1Pod, ref: V1ObjectFieldSelector): string {
  const path = ref.fieldPath;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub?.[1] !== undefined && sub[2] !== undefined) {
    const map = sub[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[sub[2]] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.hostIP':
      return '127.0.0.1';
    default:
      throw new PodFailure('CreateContainerConfigError', `unsupported fieldRef ${path}`);
  }
}

export class LocalKubeletStandIn {
  private readonly core: CoreV1Api;
  private readonly opts: LocalKubeletStandInOptions;
  private readonly images: ImageMapping[];
  private readonly labelSelector: string;
  private readonly workDir: string;
  private readonly ownsWorkDir: boolean;
  private readonly runs = new Map<string, PodRun>();
  /** Pods we already finished, so update events for them do nothing. */
  private readonly finished = new Set<string>();
  private informer: Informer<V1Pod> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly log: (msg: string) => void;
  private readonly history: ContainerRun[] = [];
  /** Pods whose claim failed; they are looked at afresh on the next event or resync. */
  private readonly abandoned = new Set<string>();
  /** Written into CLAIM_ANNOTATION; host and pid let another stand-in tell a live claim from a lost one. */
  readonly instanceId = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;

  constructor(opts: LocalKubeletStandInOptions) {
    this.opts = opts;
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.images = opts.images ?? defaultImageMappings();
    this.labelSelector = opts.labelSelector ?? SWARMLAB_POD_SELECTOR;
    this.ownsWorkDir = opts.workDir === undefined;
    this.workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'swarmlab-kubelet-stand-in-'));
    this.log = opts.log ?? (() => undefined);
  }

  /** Every container process run so far (for assertions in tests). */
  get containerRuns(): readonly ContainerRun[] {
    return this.history;
  }

  get directory(): string {
    return this.workDir;
  }

  async start(): Promise<void> {
    const ns = this.opts.namespace;
    const path = ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${ns}/pods`;
    const labelSelector = this.labelSelector;
    const list = () =>
      ns === undefined ? this.core.listPodForAllNamespaces({ labelSelector }) : this.core.listNamespacedPod({ namespace: ns, labelSelector });
    const informer = makeInformer<V1Pod>(this.opts.kubeConfig, path, list, labelSelector);
    informer.on('add', (pod) => this.observe(pod));
    informer.on('update', (pod) => this.observe(pod));
    informer.on('delete', (pod) => this.observeDeleted(pod));
    informer.on('error', (err: unknown) => {
      if (this.stopping) return;
      this.log(`pod watch failed (${String(err)}); restarting in 1s`);
      setTimeout(() => {
        if (!this.stopping) void informer.start().catch((e: unknown) => this.log(`restart failed: ${String(e)}`));
      }, 1000).unref();
    });
    this.informer = informer;
    await informer.start();
    this.resyncTimer = setInterval(() => void this.resync(), this.opts.resyncMs ?? 10_000);
    this.resyncTimer.unref();
  }

  /** Stops watching and kills every process still running. */
  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    this.stopping = true;
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    await this.informer?.stop();
    for (const run of this.runs.values()) {
      run.deleted = true;
      this.killGroup(run, 'SIGKILL');
    }
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
    if (this.ownsWorkDir && opts.keepFiles !== true) rmSync(this.workDir, { recursive: true, force: true });
  }

  private async resync(): Promise<void> {
    try {
      const ns = this.opts.namespace;
      const list =
        ns === undefined
          ? await this.core.listPodForAllNamespaces({ labelSelector: this.labelSelector })
          : await this.core.listNamespacedPod({ namespace: ns, labelSelector: this.labelSelector });
      const seen = new Set<string>();
      for (const pod of list.items) {
        seen.add(pod.metadata?.uid ?? '');
        this.observe(pod);
      }
      for (const run of this.runs.values()) if (!seen.has(run.uid)) this.observeDeleted({ metadata: { uid: run.uid } });
    } catch (err) {
      if (!this.stopping) this.log(`resync failed: ${String(err)}`);
    }
  }

  private observe(pod: V1Pod): void {
    if (this.stopping) return;
    const uid = pod.metadata?.uid;
    if (uid === undefined) return;
    const run = this.runs.get(uid);
    const claim = pod.metadata?.annotations?.[CLAIM_ANNOTATION];
    const claimedElsewhere = claim !== undefined && claim !== this.instanceId;
    if (pod.metadata?.deletionTimestamp !== undefined) {
      if (run !== undefined) {
        if (!run.deleted) {
          run.deleted = true;
          this.log(`${run.key}: deletion requested; killing`);
          this.killGroup(run, 'SIGTERM', this.graceMs(pod));
        }
      } else if (!this.finished.has(uid) && !isTerminal(pod) && (!claimedElsewhere || !claimHolderAlive(claim))) {
        // Nobody else will finish a graceful deletion: without a kubelet the
        // apiserver waits for the node to confirm, so confirm it.
        this.finished.add(uid);
        void this.forceDelete(pod);
      }
      return;
    }
    if (run !== undefined || this.finished.has(uid)) return;
    const phase = pod.status?.phase ?? 'Pending';
    if (claimedElsewhere) {
      // Another stand-in runs it; a claim by a dead process on this host is a lost node.
      if (!isTerminal(pod) && !claimHolderAlive(claim)) {
        this.finished.add(uid);
        void this.patchStatus(pod, {
          phase: 'Failed',
          reason: 'LocalKubeletStandInLost',
          message: `the local kubelet stand-in that ran this pod (${claim}) is gone`,
        });
      }
      return;
    }
    if (phase === 'Pending') {
      this.launch(pod);
    } else {
      this.finished.add(uid);
    }
  }

  private observeDeleted(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (uid === undefined) return;
    const run = this.runs.get(uid);
    // Gone for good: forget it, so a long `npm run cluster` does not accumulate uids.
    if (run === undefined) this.finished.delete(uid);
    if (run !== undefined && !run.deleted) {
      run.deleted = true;
      this.log(`${run.key}: pod deleted; killing`);
      this.killGroup(run, 'SIGTERM', this.opts.maxKillGraceMs ?? 5000);
    }
  }

  private graceMs(pod: V1Pod): number {
    const secs = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.min(secs * 1000, this.opts.maxKillGraceMs ?? 5000);
  }

  private killGroup(run: PodRun, signal: NodeJS.Signals, graceMs = 0): void {
    for (const pid of run.pids) {
      try {
        // Negative pid: the whole process group, so `sh -c` children die too.
        process.kill(-pid, signal);
      } catch {
        /* already gone */
      }
    }
    if (signal !== 'SIGKILL') {
      setTimeout(() => this.killGroup(run, 'SIGKILL'), graceMs).unref();
    }
  }

  private launch(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? uid;
    const dir = join(this.workDir, namespace, `${name}-${uid.slice(0, 8)}`);
    const run: PodRun = { key: `${namespace}/${name}`, uid, namespace, name, dir, pids: new Set(), deleted: false, runs: [], done: Promise.resolve() };
    this.runs.set(uid, run);
    this.log(`${run.key}: starting`);
    run.done = this.execute(pod, run)
      .catch((err: unknown) => this.log(`${run.key}: ${String(err)}`))
      .finally(() => {
        this.runs.delete(uid);
        if (this.abandoned.delete(uid)) return;
        this.finished.add(uid);
      });
  }

  /**
   * Claims the pod with an annotation under the pod's resourceVersion, so two
   * stand-ins watching overlapping pods never both run one (the loser sees 409).
   */
  private async claim(pod: V1Pod): Promise<V1Pod | undefined> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    let current = pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      const claim = current.metadata?.annotations?.[CLAIM_ANNOTATION];
      if ((claim !== undefined && claim !== this.instanceId) || current.metadata?.deletionTimestamp !== undefined || (current.status?.phase ?? 'Pending') !== 'Pending') {
        return undefined;
      }
      try {
        return await this.core.patchNamespacedPod(
          { namespace, name, body: { metadata: { resourceVersion: current.metadata?.resourceVersion, annotations: { [CLAIM_ANNOTATION]: this.instanceId } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        if (!(err instanceof ApiException && err.code === 409)) throw err;
        // Someone (usually the job controller) wrote the pod since we saw it: look again.
        try {
          current = await this.core.readNamespacedPod({ namespace, name });
        } catch (readErr) {
          if (readErr instanceof ApiException && readErr.code === 404) return undefined;
          throw readErr;
        }
      }
    }
    return undefined;
  }

  private async execute(initial: V1Pod, run: PodRun): Promise<void> {
    const claimed = await this.claim(initial);
    if (claimed === undefined) {
      // Changed under us (maybe claimed by another stand-in): decide again on the next event.
      this.runs.delete(run.uid);
      this.abandoned.add(run.uid);
      return;
    }
    // The claimed object carries what the controllers may have added since the event.
    const pod = claimed;
    const startTime = now();
    const spec = pod.spec;
    if (spec === undefined) return;
    mkdirSync(run.dir, { recursive: true });
    let volumes: Map<string, string>;
    try {
      volumes = await this.materialiseVolumes(pod, run);
    } catch (err) {
      const f = err instanceof PodFailure ? err : new PodFailure('CreateContainerConfigError', String(err));
      await this.patchStatus(pod, { phase: 'Failed', reason: f.reason, message: f.message, startTime });
      return;
    }

    const restartOnFailure = spec.restartPolicy === 'OnFailure';
    const initStatuses: V1ContainerStatus[] = [];
    for (const c of spec.initContainers ?? []) {
      if (c.restartPolicy === 'Always') {
        await this.patchStatus(pod, { phase: 'Failed', reason: 'UnsupportedSidecar', message: `sidecar init container ${c.name} is not supported by the local kubelet stand-in`, startTime });
        return;
      }
      const st = await this.runContainer(pod, run, c, volumes, restartOnFailure, () => undefined);
      initStatuses.push(st);
      if (run.deleted) break;
      if (st.state?.terminated?.exitCode !== 0) {
        await this.patchStatus(pod, { phase: 'Failed', startTime, initContainerStatuses: initStatuses, ...this.conditions(false) });
        return;
      }
    }

    const containers = spec.containers;
    const statuses: V1ContainerStatus[] = containers.map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
    }));
    let writeChain = Promise.resolve();
    const publish = (): void => {
      const snapshot = statuses.map((s) => structuredClone(s));
      const allRunning = snapshot.every((s) => s.state?.running !== undefined);
      writeChain = writeChain.then(() =>
        this.patchStatus(pod, { phase: 'Running', startTime, initContainerStatuses: initStatuses, containerStatuses: snapshot, ...this.conditions(allRunning) }),
      );
    };
    if (!run.deleted) {
      await Promise.all(
        containers.map(async (c, i) => {
          statuses[i] = await this.runContainer(pod, run, c, volumes, restartOnFailure, (st) => {
            statuses[i] = st;
            publish();
          });
        }),
      );
    }
    await writeChain;
    const ok = statuses.every((s) => s.state?.terminated?.exitCode === 0);
    await this.patchStatus(pod, {
      phase: ok ? 'Succeeded' : 'Failed',
      startTime,
      initContainerStatuses: initStatuses,
      containerStatuses: statuses,
      ...this.conditions(false),
    });
    if (run.deleted) await this.forceDelete(pod);
  }

  private conditions(ready: boolean): { conditions: V1PodCondition[] } {
    const t = now();
    const s = ready ? 'True' : 'False';
    return {
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: t },
        { type: 'ContainersReady', status: s, lastTransitionTime: t },
        { type: 'Ready', status: s, lastTransitionTime: t },
      ],
    };
  }

  /** Runs one container (restarting it for restartPolicy OnFailure) and returns its final status. */
  private async runContainer(
    pod: V1Pod,
    run: PodRun,
    c: V1Container,
    volumes: Map<string, string>,
    restartOnFailure: boolean,
    onRunning: (st: V1ContainerStatus) => void,
  ): Promise<V1ContainerStatus> {
    const base: V1ContainerStatus = { name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false };
    // As the kubelet does: a writable file mounted at terminationMessagePath (the API server defaults it to /dev/termination-log).
    const termination = c.terminationMessagePath !== undefined && c.terminationMessagePath !== '' ? { path: c.terminationMessagePath, file: join(run.dir, `${c.name}.termination-log`) } : undefined;
    let prepared: { argv: string[]; env: Record<string, string>; cwd: string };
    try {
      prepared = await this.prepare(pod, c, volumes, run.dir, termination);
    } catch (err) {
      const f = err instanceof PodFailure ? err : new PodFailure('CreateContainerConfigError', String(err));
      return { ...base, state: { terminated: { exitCode: 128, reason: f.reason, message: f.message, startedAt: new Date(), finishedAt: new Date() } } };
    }
    let restartCount = 0;
    let lastState: V1ContainerStatus['lastState'];
    for (;;) {
      const logFile = join(run.dir, `${c.name}.${restartCount}.log`);
      // A new, empty file for each start of the container.
      if (termination !== undefined) writeFileSync(termination.file, '');
      const startedAt = now();
      const result = await this.spawnProcess(run, prepared, logFile, () =>
        onRunning({ ...base, restartCount, lastState, ready: true, started: true, state: { running: { startedAt } } }),
      );
      const finishedAt = now();
      const record: ContainerRun = { name: c.name, argv: prepared.argv, cwd: prepared.cwd, exitCode: result.exitCode, signal: result.signal, logFile };
      run.runs.push(record);
      this.history.push(record);
      this.log(`${run.key}/${c.name}: exited ${result.exitCode}${result.signal !== null ? ` (${result.signal})` : ''}; log ${logFile}`);
      let message: string | undefined = result.spawnError;
      if (message === undefined && termination !== undefined) {
        // The kubelet keeps the file's last 4096 bytes.
        const written = readFileSync(termination.file);
        if (written.length > 0) message = written.subarray(Math.max(0, written.length - 4096)).toString('utf8');
      }
      if (message === undefined && result.exitCode !== 0 && c.terminationMessagePolicy === 'FallbackToLogsOnError') {
        // The kubelet's fallback: the log's last 80 lines, at most 2048 bytes.
        message = readFileSync(logFile, 'utf8').split('\n').slice(-80).join('\n').slice(-2048);
      }
      const terminated = {
        exitCode: result.exitCode,
        reason: result.spawnError !== undefined ? 'StartError' : result.exitCode === 0 ? 'Completed' : 'Error',
        ...(result.signal !== null ? { signal: result.signal === 'SIGKILL' ? 9 : 15 } : {}),
        ...(message !== undefined ? { message } : {}),
        startedAt,
        finishedAt,
      };
      if (result.exitCode !== 0 && restartOnFailure && !run.deleted && !this.stopping) {
        restartCount += 1;
        lastState = { terminated };
        onRunning({ ...base, restartCount, lastState, state: { waiting: { reason: 'CrashLoopBackOff' } } });
        // A kubelet backs off 10s, doubling; a short fixed pause keeps tests quick.
        await sleep(500);
        if (run.deleted || this.stopping) return { ...base, restartCount, lastState, state: { terminated } };
        continue;
      }
      return { ...base, restartCount, ...(lastState !== undefined ? { lastState } : {}), state: { terminated } };
    }
  }

  private spawnProcess(
    run: PodRun,
    p: { argv: string[]; env: Record<string, string>; cwd: string },
    logFile: string,
    onStarted: () => void,
  ): Promise<{ exitCode: number; signal: string | null; spawnError?: string }> {
    return new Promise((resolveRun) => {
      const [cmd, ...args] = p.argv;
      if (cmd === undefined || run.deleted) {
        resolveRun({ exitCode: 128, signal: null, spawnError: cmd === undefined ? 'empty command' : 'pod deleted before start' });
        return;
      }
      const out = createWriteStream(logFile);
      const child = spawn(cmd, args, { cwd: p.cwd, env: p.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
      let settled = false;
      const finish = (r: { exitCode: number; signal: string | null; spawnError?: string }): void => {
        if (settled) return;
        settled = true;
        if (child.pid !== undefined) {
          run.pids.delete(child.pid);
          liveGroups.delete(child.pid);
        }
        out.end(() => resolveRun(r));
      };
      child.on('spawn', () => {
        if (child.pid !== undefined) {
          run.pids.add(child.pid);
          liveGroups.add(child.pid);
        }
        onStarted();
      });
      child.on('error', (err) => {
        out.write(`local kubelet stand-in: cannot start ${cmd}: ${err.message}\n`);
        finish({ exitCode: 128, signal: null, spawnError: `cannot start ${cmd}: ${err.message}` });
      });
      // 'close' (not 'exit') so the log holds all output before we report.
      child.on('close', (code, signal) => {
        finish({ exitCode: code ?? (signal === 'SIGKILL' ? 137 : 143), signal });
      });
    });
  }

  /** Resolves argv, env and cwd for one container, with mount paths rewritten to local dirs. */
  private async prepare(
    pod: V1Pod,
    c: V1Container,
    volumes: Map<string, string>,
    podDir: string,
    termination: { path: string; file: string } | undefined,
  ): Promise<{ argv: string[]; env: Record<string, string>; cwd: string }> {
    const image = c.image ?? '';
    const mapping = this.images.find((m) => globToRegExp(m.image).test(image));
    if (mapping === undefined) {
      throw new PodFailure('ErrImageNeverPull', `image ${image} has no local mapping in the kubelet stand-in (configure images: [...])`);
    }
    const mounts: Array<[string, string]> = [];
    for (const vm of c.volumeMounts ?? []) {
      const local = volumes.get(vm.name);
      if (local === undefined) throw new PodFailure('CreateContainerConfigError', `volumeMount ${vm.name} names no volume`);
      mounts.push([vm.mountPath.replace(/\/+$/, ''), vm.subPath !== undefined && vm.subPath !== '' ? join(local, vm.subPath) : local]);
    }
    if (termination !== undefined) mounts.push([termination.path, termination.file]);
    mounts.sort((a, b) => b[0].length - a[0].length);
    const rewrite = (s: string): string => rewritePaths(s, mounts);

    const vars = new Map<string, string>();
    for (const [k, v] of Object.entries(mapping.env ?? {})) vars.set(k, v);
    const ns = pod.metadata?.namespace ?? 'default';
    for (const src of c.envFrom ?? []) {
      const prefix = src.prefix ?? '';
      if (src.configMapRef !== undefined) {
        const cm = await this.readConfigMap(ns, src.configMapRef.name ?? '', src.configMapRef.optional === true);
        for (const [k, v] of Object.entries(cm?.data ?? {})) vars.set(prefix + k, v);
      }
      if (src.secretRef !== undefined) {
        const s = await this.readSecret(ns, src.secretRef.name ?? '', src.secretRef.optional === true);
        for (const [k, v] of Object.entries(s?.data ?? {})) vars.set(prefix + k, Buffer.from(v, 'base64').toString('utf8'));
      }
    }
    for (const e of c.env ?? []) vars.set(e.name, await this.envValue(pod, e, vars));
    const podEnv: Record<string, string> = {};
    for (const [k, v] of vars) podEnv[k] = rewrite(v);

    let argv: string[];
    const args = (c.args ?? []).map((a) => rewrite(expandVars(a, vars)));
    if (c.command !== undefined && c.command.length > 0) {
      const [exe, ...rest] = c.command.map((a) => expandVars(a, vars));
      const prefix = exe !== undefined ? mapping.commands?.[exe] : undefined;
      argv = [...(prefix ?? (exe !== undefined ? [rewrite(exe)] : [])), ...rest.map(rewrite), ...args];
    } else {
      if (mapping.entrypoint === undefined) {
        throw new PodFailure('CreateContainerError', `container ${c.name} has no command and image mapping ${mapping.image} has no entrypoint`);
      }
      argv = [...mapping.entrypoint, ...(c.args !== undefined ? args : (mapping.cmd ?? []))];
    }

    const cwd = c.workingDir !== undefined ? rewrite(c.workingDir) : (this.opts.defaultWorkingDir ?? join(podDir, 'work'));
    mkdirSync(cwd, { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: cwd,
      TMPDIR: join(podDir, 'tmp'),
      HOSTNAME: pod.metadata?.name ?? '',
      ...podEnv,
      [MOUNTS_ENV]: JSON.stringify(Object.fromEntries(mounts)),
    };
    mkdirSync(join(podDir, 'tmp'), { recursive: true });
    return { argv, env, cwd: resolve(cwd) };
  }

  private async envValue(pod: V1Pod, e: V1EnvVar, vars: ReadonlyMap<string, string>): Promise<string> {
    if (e.value !== undefined) return expandVars(e.value, vars);
    const from = e.valueFrom;
    if (from === undefined) return '';
    const ns = pod.metadata?.namespace ?? 'default';
    if (from.fieldRef !== undefined) return fieldRefValue(pod, from.fieldRef);
    if (from.configMapKeyRef !== undefined) {
      const ref = from.configMapKeyRef;
      const cm = await this.readConfigMap(ns, ref.name ?? '', ref.optional === true);
      const v = cm?.data?.[ref.key];
      if (v === undefined && ref.optional !== true) throw new PodFailure('CreateContainerConfigError', `configmap ${ref.name ?? ''} has no key ${ref.key}`);
      return v ?? '';
    }
    if (from.secretKeyRef !== undefined) {
      const ref = from.secretKeyRef;
      const s = await this.readSecret(ns, ref.name ?? '', ref.optional === true);
      const v = s?.data?.[ref.key];
      if (v === undefined && ref.optional !== true) throw new PodFailure('CreateContainerConfigError', `secret ${ref.name ?? ''} has no key ${ref.key}`);
      return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
    }
    if (from.resourceFieldRef !== undefined) return '0';
    throw new PodFailure('CreateContainerConfigError', `env ${e.name}: unsupported valueFrom`);
  }

  private async materialiseVolumes(pod: V1Pod, run: PodRun): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ns = pod.metadata?.namespace ?? 'default';
    for (const v of pod.spec?.volumes ?? []) {
      if (v.hostPath !== undefined) {
        // Same machine: the host path is the path.
        out.set(v.name, v.hostPath.path);
        continue;
      }
      const dir = join(run.dir, 'volumes', v.name);
      mkdirSync(dir, { recursive: true });
      out.set(v.name, dir);
      await this.fillVolume(pod, ns, v, dir);
    }
    return out;
  }

  private async fillVolume(pod: V1Pod, ns: string, v: V1Volume, dir: string): Promise<void> {
    const write = (rel: string, data: string | Buffer, mode: number | undefined): void => {
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, data);
      if (mode !== undefined) chmodSync(file, mode);
    };
    type KeyItems = Array<{ key: string; path: string; mode?: number }> | undefined;
    const writeKeys = (data: Record<string, string | Buffer>, items: KeyItems, defaultMode: number | undefined, what: string, optional: boolean): void => {
      if (items === undefined) {
        for (const [k, val] of Object.entries(data)) write(k, val, defaultMode);
        return;
      }
      for (const it of items) {
        const val = data[it.key];
        if (val === undefined) {
          if (optional) continue;
          throw new PodFailure('CreateContainerConfigError', `${what} has no key ${it.key}`);
        }
        write(it.path, val, it.mode ?? defaultMode);
      }
    };
    const cmData = (cm: V1ConfigMap | undefined): Record<string, string | Buffer> => ({
      ...(cm?.data ?? {}),
      ...Object.fromEntries(Object.entries(cm?.binaryData ?? {}).map(([k, b]) => [k, Buffer.from(b, 'base64')])),
    });
    const secretData = (s: V1Secret | undefined): Record<string, Buffer> =>
      Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, b]) => [k, Buffer.from(b, 'base64')]));
    const downward = (items: Array<{ path: string; fieldRef?: V1ObjectFieldSelector; mode?: number }>, defaultMode: number | undefined): void => {
      for (const it of items) {
        if (it.fieldRef === undefined) throw new PodFailure('CreateContainerConfigError', `downwardAPI item ${it.path}: only fieldRef is supported`);
        write(it.path, fieldRefValue(pod, it.fieldRef), it.mode ?? defaultMode);
      }
    };

    if (v.emptyDir !== undefined) return;
    if (v.configMap !== undefined) {
      const src = v.configMap;
      const cm = await this.readConfigMap(ns, src.name ?? '', src.optional === true);
      writeKeys(cmData(cm), src.items, src.defaultMode, `configmap ${src.name ?? ''}`, src.optional === true);
      return;
    }
    if (v.secret !== undefined) {
      const src = v.secret;
      const s = await this.readSecret(ns, src.secretName ?? '', src.optional === true);
      writeKeys(secretData(s), src.items, src.defaultMode, `secret ${src.secretName ?? ''}`, src.optional === true);
      return;
    }
    if (v.downwardAPI !== undefined) {
      downward(v.downwardAPI.items ?? [], v.downwardAPI.defaultMode);
      return;
    }
    if (v.projected !== undefined) {
      for (const source of v.projected.sources ?? []) {
        if (source.configMap !== undefined) {
          const cm = await this.readConfigMap(ns, source.configMap.name ?? '', source.configMap.optional === true);
          writeKeys(cmData(cm), source.configMap.items, v.projected.defaultMode, `configmap ${source.configMap.name ?? ''}`, source.configMap.optional === true);
        } else if (source.secret !== undefined) {
          const s = await this.readSecret(ns, source.secret.name ?? '', source.secret.optional === true);
          writeKeys(secretData(s), source.secret.items, v.projected.defaultMode, `secret ${source.secret.name ?? ''}`, source.secret.optional === true);
        } else if (source.downwardAPI !== undefined) {
          downward(source.downwardAPI.items ?? [], v.projected.defaultMode);
        } else {
          throw new PodFailure('CreateContainerConfigError', `volume ${v.name}: unsupported projected source`);
        }
      }
      return;
    }
    throw new PodFailure('CreateContainerConfigError', `volume ${v.name}: unsupported volume type for the local kubelet stand-in`);
  }

  /** Waits for a ConfigMap to exist (like a kubelet retrying), up to configWaitMs. */
  private async readConfigMap(namespace: string, name: string, optional: boolean): Promise<V1ConfigMap | undefined> {
    return this.readWithWait(`configmap ${name}`, optional, () => this.core.readNamespacedConfigMap({ namespace, name }));
  }

  private async readSecret(namespace: string, name: string, optional: boolean): Promise<V1Secret | undefined> {
    return this.readWithWait(`secret ${name}`, optional, () => this.core.readNamespacedSecret({ namespace, name }));
  }

  private async readWithWait<T>(what: string, optional: boolean, read: () => Promise<T>): Promise<T | undefined> {
    const deadline = Date.now() + (this.opts.configWaitMs ?? 30_000);
    for (;;) {
      try {
        return await read();
      } catch (err) {
        if (!(err instanceof ApiException) || err.code !== 404) throw err;
        if (optional) return undefined;
        if (Date.now() > deadline || this.stopping) throw new PodFailure('CreateContainerConfigError', `${what} not found`);
        await sleep(500);
      }
    }
  }

  private async patchStatus(pod: V1Pod, status: Record<string, unknown>): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      await this.core.patchNamespacedPodStatus({ namespace, name, body: { status } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    } catch (err) {
      // A deleted pod has no status to write; anything else is worth a log line.
      if (err instanceof ApiException && err.code === 404) return;
      this.log(`${namespace}/${name}: status update failed: ${String(err)}`);
    }
  }

  private async forceDelete(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      await this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return;
      this.log(`${namespace}/${name}: final delete failed: ${String(err)}`);
    }
  }
}

function isTerminal(pod: V1Pod): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}
