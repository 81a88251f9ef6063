/**
 * Helpers for the chart tests (unit and integration): the pinned helm binary,
 * rendering charts/swarmlab into parsed objects, and the restricted Pod
 * Security profile checked field by field.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { binaryPath, repoRoot } from '../cluster/versions.ts';

export const chartDir = join(repoRoot, 'charts/swarmlab');
export const fullValuesFile = join(chartDir, 'ci/full-values.yaml');

let helmPath: string | undefined;
/** The pinned helm from the cluster build cache; throws (never skips) when it is missing. */
export function helmBinary(): string {
  helmPath ??= binaryPath('helm');
  return helmPath;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[], env: Record<string, string> = {}): RunResult {
  const r = spawnSync(helmBinary(), args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024 });
  if (r.error !== undefined) throw r.error;
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export const K8sObject = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z
      .object({
        name: z.string().min(1).max(253),
        namespace: z.string().min(1).max(63).optional(),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .loose(),
  })
  .loose();
export type K8sObject = z.infer<typeof K8sObject>;

export interface RenderOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  /** --set-json key=value pairs. */
  setJson?: Record<string, unknown>;
}

export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = ['template', opts.release ?? 'demo', chartDir, '--namespace', opts.namespace ?? 'swarmlab-system'];
  for (const f of opts.valuesFiles ?? []) args.push('--values', f);
  for (const [k, v] of Object.entries(opts.setJson ?? {})) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
  return args;
}

/** `helm template` → YAML text; throws with helm's stderr on failure. */
export function renderText(opts: RenderOptions = {}): string {
  const r = helm(templateArgs(opts));
  if (r.code !== 0) throw new Error(`helm ${templateArgs(opts).join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** Parses a multi-document YAML stream into Kubernetes objects; any YAML error or non-object document throws. */
export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message ?? ''}`);
    const js: unknown = doc.toJS();
    if (js === null || js === undefined) continue;
    out.push(K8sObject.parse(js));
  }
  return out;
}

export function render(opts: RenderOptions = {}): K8sObject[] {
  return parseObjects(renderText(opts));
}

export function find(objs: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objs: K8sObject[], kind: string): K8sObject {
  const found = find(objs, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}: ${found.map((o) => o.metadata.name).join(', ')}`);
  return found[0] as K8sObject;
}

// --- Pod specs and the restricted profile -----------------------------------

const SecurityContext = z
  .object({
    privileged: z.boolean().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    runAsNonRoot: z.boolean().optional(),
    runAsUser: z.number().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    procMount: z.string().optional(),
    capabilities: z.object({ add: z.array(z.string()).optional(), drop: z.array(z.string()).optional() }).optional(),
    seccompProfile: z.object({ type: z.string() }).loose().optional(),
    appArmorProfile: z.object({ type: z.string() }).loose().optional(),
    seLinuxOptions: z.object({ type: z.string().optional() }).loose().optional(),
    windowsOptions: z.object({ hostProcess: z.boolean().optional() }).loose().optional(),
    sysctls: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  })
  .loose();

const Container = z
  .object({
    name: z.string(),
    image: z.string().optional(),
    ports: z.array(z.object({ containerPort: z.number(), hostPort: z.number().optional() }).loose()).optional(),
    securityContext: SecurityContext.optional(),
    volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() }).loose()).optional(),
  })
  .loose();

export const PodSpec = z
  .object({
    hostNetwork: z.boolean().optional(),
    hostPID: z.boolean().optional(),
    hostIPC: z.boolean().optional(),
    securityContext: SecurityContext.optional(),
    containers: z.array(Container).min(1),
    initContainers: z.array(Container).optional(),
    ephemeralContainers: z.array(Container).optional(),
    volumes: z.array(z.object({ name: z.string() }).loose()).optional(),
  })
  .loose();
export type PodSpec = z.infer<typeof PodSpec>;

/** The pod template of a workload object (Deployment, StatefulSet, DaemonSet, Job, CronJob), or the Pod's own spec. */
export function podSpecOf(obj: K8sObject): PodSpec | undefined {
  const o = obj as Record<string, unknown>;
  const spec = o['spec'] as Record<string, unknown> | undefined;
  if (spec === undefined) return undefined;
  if (obj.kind === 'Pod') return PodSpec.parse(spec);
  if (obj.kind === 'CronJob') {
    const jt = spec['jobTemplate'] as { spec?: { template?: { spec?: unknown } } } | undefined;
    return PodSpec.parse(jt?.spec?.template?.spec);
  }
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(obj.kind)) {
    return PodSpec.parse((spec['template'] as { spec?: unknown } | undefined)?.spec);
  }
  return undefined;
}

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/**
 * Violations of the `restricted` Pod Security Standard (Kubernetes 1.35,
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/), one
 * message per violated field. Empty: the pod spec passes.
 */
export function restrictedViolations(pod: PodSpec): string[] {
  const v: string[] = [];
  if (pod.hostNetwork === true) v.push('spec.hostNetwork is true');
  if (pod.hostPID === true) v.push('spec.hostPID is true');
  if (pod.hostIPC === true) v.push('spec.hostIPC is true');
  const psc = pod.securityContext ?? {};
  if (psc.windowsOptions?.hostProcess === true) v.push('spec.securityContext.windowsOptions.hostProcess is true');
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`spec.securityContext.sysctls: ${s.name} is not a safe sysctl`);
  if (psc.runAsUser === 0) v.push('spec.securityContext.runAsUser is 0');
  const seLinux = (sc: z.infer<typeof SecurityContext>, where: string): void => {
    const t = sc.seLinuxOptions?.type;
    if (t !== undefined && t !== '' && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(t)) v.push(`${where}.seLinuxOptions.type ${t}`);
    const aa = sc.appArmorProfile?.type;
    if (aa !== undefined && !['RuntimeDefault', 'Localhost'].includes(aa)) v.push(`${where}.appArmorProfile.type ${aa}`);
  };
  seLinux(psc, 'spec.securityContext');
  const podSeccomp = psc.seccompProfile?.type;
  if (podSeccomp !== undefined && !['RuntimeDefault', 'Localhost'].includes(podSeccomp)) v.push(`spec.securityContext.seccompProfile.type is ${podSeccomp}`);
  for (const vol of pod.volumes ?? []) {
    const types = Object.keys(vol).filter((k) => k !== 'name');
    for (const t of types) if (!RESTRICTED_VOLUME_TYPES.has(t)) v.push(`volume ${vol.name} has type ${t}`);
  }
  const all = [
    ...pod.containers.map((c) => ({ c, where: `containers[${c.name}]` })),
    ...(pod.initContainers ?? []).map((c) => ({ c, where: `initContainers[${c.name}]` })),
    ...(pod.ephemeralContainers ?? []).map((c) => ({ c, where: `ephemeralContainers[${c.name}]` })),
  ];
  for (const { c, where } of all) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) v.push(`${where}.securityContext.privileged is true`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${where}.securityContext.allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${where}.securityContext.capabilities.drop lacks ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${where}.securityContext.capabilities.add has ${cap}`);
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true)) v.push(`${where}: runAsNonRoot is not true (pod or container)`);
    if (sc.runAsUser === 0) v.push(`${where}.securityContext.runAsUser is 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp === undefined || !['RuntimeDefault', 'Localhost'].includes(seccomp)) v.push(`${where}: seccompProfile is not RuntimeDefault or Localhost (pod or container)`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') v.push(`${where}.securityContext.procMount is ${sc.procMount}`);
    if (sc.windowsOptions?.hostProcess === true) v.push(`${where}.securityContext.windowsOptions.hostProcess is true`);
    seLinux(sc, `${where}.securityContext`);
    for (const p of c.ports ?? []) if (p.hostPort !== undefined && p.hostPort !== 0) v.push(`${where}: hostPort ${p.hostPort}`);
  }
  return v;
}

/** swarmlab's own rules on top of restricted: fixed non-root UID and a read-only root with a writable /tmp. */
export function swarmlabPodViolations(pod: PodSpec): string[] {
  const v: string[] = [];
  const psc = pod.securityContext ?? {};
  if (psc.runAsUser !== 65532) v.push(`spec.securityContext.runAsUser is ${String(psc.runAsUser)}, not 65532`);
  if (psc.seccompProfile?.type !== 'RuntimeDefault') v.push('spec.securityContext.seccompProfile is not RuntimeDefault');
  const tmpVolumes = new Set((pod.volumes ?? []).filter((vol) => 'emptyDir' in vol).map((vol) => vol.name));
  for (const c of pod.containers) {
    if (c.securityContext?.readOnlyRootFilesystem !== true) v.push(`containers[${c.name}].securityContext.readOnlyRootFilesystem is not true`);
    const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
    if (tmp === undefined || !tmpVolumes.has(tmp.name)) v.push(`containers[${c.name}]: no emptyDir mounted at /tmp`);
  }
  return v;
}

/** A bare Pod with the workload's pod template: what Pod Security admission enforces at create time. */
export function podFromTemplate(workload: K8sObject, name: string): K8sObject {
  const spec = (workload as { spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown } } }).spec?.template;
  if (spec?.spec === undefined) throw new Error(`${workload.kind}/${workload.metadata.name} has no pod template`);
  return K8sObject.parse({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(workload.metadata.namespace !== undefined ? { namespace: workload.metadata.namespace } : {}), labels: spec.metadata?.labels ?? {} },
    spec: spec.spec,
  });
}

/** The value of an env var of the first container, following the chart's literal values only. */
export function containerEnv(workload: K8sObject): Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }> {
  const spec = (workload as { spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }> }> } } } }).spec;
  return spec?.template?.spec?.containers?.[0]?.env ?? [];
}

/** Resolves a container's env like a kubelet would for the downward API fields the chart uses. */
export function resolvedEnv(workload: K8sObject, pod: { name: string; namespace: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of containerEnv(workload)) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') out[e.name] = pod.name;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') out[e.name] = pod.namespace;
    else throw new Error(`env ${e.name}: unexpected source ${JSON.stringify(e.valueFrom)}`);
  }
  return out;
}
