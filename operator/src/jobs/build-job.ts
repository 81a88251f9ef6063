import type { V1ConfigMap, V1EnvVar, V1Job, V1OwnerReference, V1PodFailurePolicy, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';
import { API_VERSION, ErrorCodes, exitStatusPolicy, type Experiment } from 'swarmlab';
import type { OperatorConfig } from '../config.ts';
import { ANNOTATIONS, jobName, LABELS, MANAGED_BY, resultsJobName, specConfigMapName } from './names.ts';
import { MAX_INDEXED_COMPLETIONS, type JobPart } from './layout.ts';

// Pure builders for the objects the operator creates. Everything the
// controller needs to know about a Job's shape lives here, unit-tested
// without a cluster (the k6-operator pattern).

export const SPEC_DIR = '/etc/swarmlab';
export const SPEC_FILE = 'experiment.yaml';
export const CONTAINER = 'runner';
/**
 * Kubernetes' default terminationMessagePath. The kubelet bind-mounts a
 * writable file there (mode 0666) even under a read-only root filesystem,
 * and reports its content (at most 4096 bytes) as the container's
 * terminated message: run-index writes its failure record to it.
 */
export const TERMINATION_LOG = '/dev/termination-log';
const NON_ROOT_UID = 65532;
/** The runner's env var holding the pod's CPU request in whole CPUs, rounded up (Downward API; 0 when none is set). */
export const CPU_REQUEST_ENV = 'SWARMLAB_CPU_REQUEST';

export interface ExperimentRef {
  name: string;
  namespace: string;
  uid: string;
}

export type JobConfig = Pick<
  OperatorConfig,
  'runnerImage' | 'runnerPullPolicy' | 'runnerEnv' | 'runnerEnvSecret' | 'runnerServiceAccount' | 'defaultParallelism' | 'runnerNodeSelector' | 'runnerTolerations'
>;

/** The Job name of one part (the unsplit name when there is only one). */
export function partJobName(owner: string, digest: string, generation: number, part: JobPart): string {
  return part.parts === 1 ? jobName(owner, digest, generation) : jobName(owner, digest, generation, part.part);
}

export interface JobInput {
  owner: ExperimentRef;
  /** The parsed Experiment with spec.output.store resolved: exactly what the runner pods read. */
  experiment: Experiment;
  digest: string;
  total: number;
  generation: number;
  config: JobConfig;
  /** This Job's part of the run matrix and its block size (jobParts); unset: one Job for every run, one run a pod. */
  part?: JobPart;
}

export function ownerReference(owner: ExperimentRef): V1OwnerReference {
  return { apiVersion: API_VERSION, kind: 'Experiment', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

export function experimentLabels(owner: ExperimentRef, digest: string): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.experiment]: owner.name,
    [LABELS.experimentUid]: owner.uid,
    [LABELS.digest]: digest.slice(0, 16),
  };
}

/**
 * The frozen spec: what the runner parses in the pod. Same parse, same digest
 * as the operator's. Written as JSON (which is YAML): every string is quoted,
 * so no value (a param value "on", a channel "no") reads differently under
 * YAML 1.1 and 1.2, which the runner's file reader would refuse.
 */
export function frozenSpecYaml(exp: Experiment): string {
  return `${JSON.stringify({ apiVersion: exp.apiVersion, kind: exp.kind, metadata: { name: exp.metadata.name }, spec: exp.spec }, null, 2)}\n`;
}

/** Immutable: a running pod can never see a spec other than the one its Job was made for. */
export function buildSpecConfigMap(owner: ExperimentRef, exp: Experiment, digest: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: specConfigMapName(owner.name, digest),
      namespace: owner.namespace,
      labels: experimentLabels(owner, digest),
      ownerReferences: [ownerReference(owner)],
    },
    immutable: true,
    data: { [SPEC_FILE]: frozenSpecYaml(exp), digest },
  };
}

function resources(exp: Experiment): V1ResourceRequirements | undefined {
  const r = exp.spec.execution.resources;
  if (r === undefined) return undefined;
  const list = (l: { cpu?: string | undefined; memory?: string | undefined } | undefined): Record<string, string> | undefined => {
    if (l === undefined) return undefined;
    const out: Record<string, string> = {};
    if (l.cpu !== undefined) out['cpu'] = l.cpu;
    if (l.memory !== undefined) out['memory'] = l.memory;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const requests = list(r.requests);
  const limits = list(r.limits);
  if (requests === undefined && limits === undefined) return undefined;
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

/**
 * The runner's failure policy (runner/src/errors.ts `retryable`) by exit
 * status: a disruption is not the run's fault and uses no retry; the exit
 * status of a code that is not retryable fails the index at once; one that
 * is retryable is counted against backoffLimitPerIndex (as is any other
 * failure, the default). An index that holds several runs still gets
 * its per-run failures from the store's failure records; this covers the pod.
 */
export function podFailurePolicy(): V1PodFailurePolicy {
  const { fail, retry } = exitStatusPolicy();
  // INTERRUPTED is the runner's answer to SIGTERM: its pod was stopped from outside (the Job suspended, Kueue
  // evicting or preempting its Workload, a pod deleted), after the runs in flight finished. A disruption, not a
  // failure: it must not spend the index's retries, and the runs it did not reach are run by the next pod.
  const interrupted = ErrorCodes.INTERRUPTED.exit;
  return {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'Ignore', onExitCodes: { containerName: CONTAINER, operator: 'In', values: [interrupted] } },
      { action: 'FailIndex', onExitCodes: { containerName: CONTAINER, operator: 'In', values: [...fail] } },
      { action: 'Count', onExitCodes: { containerName: CONTAINER, operator: 'In', values: retry.filter((e) => e !== interrupted) } },
    ],
  };
}

/** A part's spec.parallelism (pods at once): split sweeps share the Experiment's between their Jobs (rounded up: at most parts-1 pods more). */
export function partParallelism(exp: Experiment, config: Pick<JobConfig, 'defaultParallelism'>, part: Pick<JobPart, 'parts' | 'indexes'>): number {
  return Math.min(part.indexes, Math.ceil((exp.spec.execution.parallelism ?? config.defaultParallelism) / part.parts));
}

/** Restricted Pod Security for every pod the operator creates: non-root, RuntimeDefault seccomp, no privilege, read-only root. */
const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: NON_ROOT_UID,
  runAsGroup: NON_ROOT_UID,
  fsGroup: NON_ROOT_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
const CONTAINER_SECURITY = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** What every runner pod shares: no restarts, no API token or service links, restricted security, where it may be scheduled. */
function runnerPodBasics(config: Pick<JobConfig, 'runnerServiceAccount'>, nodeSelector: Record<string, string>, tolerations: readonly V1Toleration[]) {
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(config.runnerServiceAccount !== undefined ? { serviceAccountName: config.runnerServiceAccount } : {}),
    securityContext: POD_SECURITY,
    ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
    ...(tolerations.length > 0 ? { tolerations: [...tolerations] } : {}),
  };
}

function runnerEnv(config: Pick<JobConfig, 'runnerEnv'>): V1EnvVar[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'HOME', value: '/tmp' },
    ...Object.entries(config.runnerEnv)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value })),
  ];
}

/** Retries of the finishing step: it is deterministic, so only a store outage or a lost node can make a retry succeed. */
const RESULTS_JOB_RETRIES = 2;

/**
 * The finishing step (issue: results): one pod of the runner image runs
 * `swarmlab results <result set>`, which builds the tables and the results
 * index from the manifest beside them (the same bytes each time), never in
 * the operator's own process.
 */
export function buildResultsJob(input: { owner: ExperimentRef; digest: string; resultsURI: string; config: JobConfig }): V1Job {
  const { owner, digest, config } = input;
  const labels = experimentLabels(owner, digest);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: resultsJobName(owner.name, digest), namespace: owner.namespace, labels, ownerReferences: [ownerReference(owner)] },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: RESULTS_JOB_RETRIES,
      podReplacementPolicy: 'Failed',
      template: {
        metadata: { labels },
        spec: {
          ...runnerPodBasics(config, config.runnerNodeSelector ?? {}, config.runnerTolerations ?? []),
          containers: [
            {
              name: CONTAINER,
              image: config.runnerImage,
              imagePullPolicy: config.runnerPullPolicy,
              args: ['results', input.resultsURI, '--json'],
              env: runnerEnv(config),
              ...(config.runnerEnvSecret !== undefined ? { envFrom: [{ secretRef: { name: config.runnerEnvSecret } }] } : {}),
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '4Gi' } }],
        },
      },
    },
  };
}

/** The block of runs a pod runs: `--runs-per-pod`, and a worker pool sized to the pod's CPU request (none for one run a pod). */
function blockArgs(part: JobPart): string[] {
  return part.runsPerPod > 1 ? ['--runs-per-pod', String(part.runsPerPod), '--workers', `$(${CPU_REQUEST_ENV})`] : [];
}

function blockEnv(part: JobPart): V1EnvVar[] {
  if (part.runsPerPod === 1) return [];
  // The kubelet rounds the request up to whole CPUs (divisor 1), and gives 0 when the pod requests none (the runner then uses one worker).
  return [{ name: CPU_REQUEST_ENV, valueFrom: { resourceFieldRef: { containerName: CONTAINER, resource: 'requests.cpu', divisor: '1' } } }];
}

/**
 * One Indexed Job covering every run (or one part's contiguous range of runs).
 * Completion index i runs the block of `runsPerPod` runs starting at run
 * `offset + i x runsPerPod` (the runner's `--index-offset` and
 * `--runs-per-pod`), through a worker pool sized to its CPU request. The
 * block size is also an annotation, so that the operator reads back the
 * layout a Job was made with even when the spec or its default has changed
 * since (one run a pod: no annotation, no extra arguments, as Jobs made
 * before blocks existed).
 *
 * Resume: a Job of a later generation (only made when the previous one was
 * deleted before it finished) covers every index again. The runner skips
 * each run whose run.json already exists and still matches its files (ADR
 * 0001), so finished runs are never run twice; a block already done costs
 * one short pod. That keeps the index -> runs mapping a formula, with no
 * per-Job index lists.
 */
export function buildJob(input: JobInput): V1Job {
  const { owner, experiment: exp, digest, total, generation, config } = input;
  const part = input.part ?? { part: 0, parts: 1, offset: 0, size: total, runsPerPod: 1, indexes: total };
  if (part.indexes > MAX_INDEXED_COMPLETIONS) throw new Error(`an Indexed Job holds at most ${MAX_INDEXED_COMPLETIONS} indexes, this one would have ${part.indexes}`);
  const ex = exp.spec.execution;
  const split = part.parts > 1;
  const labels = { ...experimentLabels(owner, digest), [LABELS.jobGeneration]: String(generation), ...(split ? { [LABELS.jobPart]: String(part.part) } : {}) };
  const jobLabels = ex.queueName !== undefined ? { ...labels, [LABELS.kueueQueue]: ex.queueName } : labels;
  const env = [...runnerEnv(config), ...blockEnv(part)];
  const res = resources(exp);
  const nodeSelector = { ...config.runnerNodeSelector, ...ex.nodeSelector };
  const seen = new Set<string>();
  const tolerations = [...(config.runnerTolerations ?? []), ...(ex.tolerations ?? [])]
    .map((t) => ({ ...t }))
    .filter((t) => {
      const k = JSON.stringify(t);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: partJobName(owner.name, digest, generation, part),
      namespace: owner.namespace,
      labels: jobLabels,
      ...(part.runsPerPod > 1 ? { annotations: { [ANNOTATIONS.runsPerPod]: String(part.runsPerPod) } } : {}),
      ownerReferences: [ownerReference(owner)],
    },
    spec: {
      completionMode: 'Indexed',
      completions: part.indexes,
      parallelism: partParallelism(exp, config, part),
      backoffLimitPerIndex: ex.retries,
      // A backstop: more failed indexes than maxFailedRuns means more failed runs. The budget in runs, across every part, is the operator's (decide()).
      ...(ex.maxFailedRuns !== undefined ? { maxFailedIndexes: Math.min(ex.maxFailedRuns, part.indexes) } : {}),
      // Only a pod that is fully gone is replaced: never two pods on one run.
      podReplacementPolicy: 'Failed',
      podFailurePolicy: podFailurePolicy(),
      // Kueue unsuspends a Job it manages when it admits it (its webhook would suspend it at creation anyway).
      suspend: ex.suspend === true || ex.queueName !== undefined,
      ...(ex.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: ex.activeDeadlineSeconds } : {}),
      ...(ex.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: ex.ttlSecondsAfterFinished } : {}),
      template: {
        metadata: { labels },
        spec: {
          ...runnerPodBasics(config, nodeSelector, tolerations),
          containers: [
            {
              name: CONTAINER,
              image: config.runnerImage,
              imagePullPolicy: config.runnerPullPolicy,
              // The image's ENTRYPOINT is the swarmlab CLI (ADR 0002): arguments only.
              args: [
                'run-index',
                '--spec',
                `${SPEC_DIR}/${SPEC_FILE}`,
                '--index',
                '$(JOB_COMPLETION_INDEX)',
                ...(part.offset > 0 ? ['--index-offset', String(part.offset)] : []),
                ...blockArgs(part),
                '--attempt',
                '$(POD_NAME)',
                '--termination-log',
                TERMINATION_LOG,
              ],
              env,
              ...(config.runnerEnvSecret !== undefined ? { envFrom: [{ secretRef: { name: config.runnerEnvSecret } }] } : {}),
              ...(res !== undefined ? { resources: res } : {}),
              // The runner's failure record; a runner that died before writing it (killed, out of memory) leaves its last log lines, shown but never parsed.
              terminationMessagePath: TERMINATION_LOG,
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [
                { name: 'spec', mountPath: SPEC_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'spec', configMap: { name: specConfigMapName(owner.name, digest) } },
            { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
    },
  };
}
