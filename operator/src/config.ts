import { z } from 'zod';
import { RUNNER_VERSION, Toleration } from 'swarmlab';

// Operator configuration: environment variables (what the Helm chart sets),
// overridable by command-line flags of the same name in kebab-case.

const envMap = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4096))
  .refine((m) => Object.keys(m).length <= 64, { message: 'at most 64 variables' });

export const OperatorConfig = z.object({
  /** Watch one namespace; unset: every namespace (needs cluster-wide RBAC). */
  namespace: z.string().min(1).max(63).optional(),
  workers: z.coerce.number().int().min(1).max(64).default(4),
  runnerImage: z.string().min(1).max(512).default(`ghcr.io/swarmlab/swarmlab:${RUNNER_VERSION}`),
  runnerPullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  /** Store for Experiments that leave spec.output.store unset. */
  store: z.string().min(1).max(1024).optional(),
  /** A Secret whose keys become env of runner pods (object store credentials). */
  runnerEnvSecret: z.string().min(1).max(253).optional(),
  /** Extra env for runner pods, e.g. {"SWARMLAB_S3_ENDPOINT":"http://minio:9000"}. */
  runnerEnv: envMap.default({}),
  runnerServiceAccount: z.string().min(1).max(253).optional(),
  /** Node labels every runner pod needs (e.g. the runner node pool); an Experiment's own nodeSelector adds to and overrides them. */
  runnerNodeSelector: z
    .record(z.string().min(1).max(317), z.string().max(63))
    .refine((m) => Object.keys(m).length <= 32, { message: 'at most 32 labels' })
    .optional(),
  /** Tolerations every runner pod gets, before an Experiment's own. */
  runnerTolerations: z.array(Toleration).max(32).optional(),
  /** Job parallelism when spec.execution.parallelism is unset. */
  defaultParallelism: z.coerce.number().int().min(1).max(10_000).default(10),
  httpHost: z.string().default('0.0.0.0'),
  httpPort: z.coerce.number().int().min(0).max(65535).default(8080),
  leaderElection: z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .transform((v) => v === true || v === 'true')
    .default(true),
  leaseName: z.string().min(1).max(253).default('swarmlab-operator'),
  leaseNamespace: z.string().min(1).max(63).default('default'),
  /** Unique per replica; the pod name in a cluster. */
  identity: z.string().min(1).max(253).optional(),
  resyncSeconds: z.coerce.number().int().min(5).max(86_400).default(300),
  /** Runs per Indexed Job; larger sweeps are split over several Jobs. Kubernetes' own limit is the default; lower only to test splitting. */
  maxIndexesPerJob: z.coerce.number().int().min(1).max(100_000).default(100_000),
});
export type OperatorConfig = z.infer<typeof OperatorConfig>;

export const ENV_VARS: Readonly<Record<keyof OperatorConfig, string>> = {
  namespace: 'SWARMLAB_WATCH_NAMESPACE',
  workers: 'SWARMLAB_WORKERS',
  runnerImage: 'SWARMLAB_RUNNER_IMAGE',
  runnerPullPolicy: 'SWARMLAB_RUNNER_PULL_POLICY',
  store: 'SWARMLAB_STORE',
  runnerEnvSecret: 'SWARMLAB_RUNNER_ENV_SECRET',
  runnerEnv: 'SWARMLAB_RUNNER_ENV',
  runnerServiceAccount: 'SWARMLAB_RUNNER_SERVICE_ACCOUNT',
  runnerNodeSelector: 'SWARMLAB_RUNNER_NODE_SELECTOR',
  runnerTolerations: 'SWARMLAB_RUNNER_TOLERATIONS',
  defaultParallelism: 'SWARMLAB_DEFAULT_PARALLELISM',
  httpHost: 'SWARMLAB_HTTP_HOST',
  httpPort: 'SWARMLAB_HTTP_PORT',
  leaderElection: 'SWARMLAB_LEADER_ELECTION',
  leaseName: 'SWARMLAB_LEASE_NAME',
  leaseNamespace: 'SWARMLAB_LEASE_NAMESPACE',
  identity: 'POD_NAME',
  resyncSeconds: 'SWARMLAB_RESYNC_SECONDS',
  maxIndexesPerJob: 'SWARMLAB_MAX_INDEXES_PER_JOB',
};

const JSON_KEYS = new Set(['runnerEnv', 'runnerNodeSelector', 'runnerTolerations']);

/** Reads the config from env (then `overrides`, e.g. parsed flags). Throws a ZodError naming the variable's key. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>, overrides: Record<string, unknown> = {}): OperatorConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    raw[key] = JSON_KEYS.has(key) ? JSON.parse(v) : v;
  }
  if (raw['leaseNamespace'] === undefined && env['POD_NAMESPACE']) raw['leaseNamespace'] = env['POD_NAMESPACE'];
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) raw[k] = v;
  return OperatorConfig.parse(raw);
}
