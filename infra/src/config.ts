import { z } from 'zod';

// Taint and label that keep everything but runner pods off the spot pool. The
// Helm values wire the same key into the runner pods' tolerations/nodeSelector,
// so both ends read it from here.
export const RUNNER_TAINT = { key: 'swarmlab.io/runner', value: 'true', effect: 'NO_SCHEDULE' } as const;
export const RUNNER_NODE_LABELS = { 'swarmlab.io/runner': 'true', 'swarmlab.io/pool': 'runner' } as const;
export const OPERATOR_NODE_LABELS = { 'swarmlab.io/pool': 'system' } as const;

const nodePool = (defaults: { instanceTypes: string[]; min: number; desired: number; max: number; diskGiB: number }) =>
  z
    .object({
      instanceTypes: z.array(z.string().min(1)).min(1).default(defaults.instanceTypes),
      min: z.number().int().min(0).default(defaults.min),
      desired: z.number().int().min(0).default(defaults.desired),
      max: z.number().int().min(1).default(defaults.max),
      diskGiB: z.number().int().min(20).default(defaults.diskGiB),
    })
    .strict()
    .refine((p) => p.min <= p.desired && p.desired <= p.max, { message: 'needs min <= desired <= max' })
    .default(defaults);

const logType = z.enum(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);

export const stackConfigSchema = z
  .object({
    region: z.string().min(1),
    // Pinned on purpose: an unpinned EKS version upgrades the control plane on the next `pulumi up`.
    kubernetesVersion: z.string().regex(/^1\.\d+$/, 'a minor version such as "1.35"'),
    vpcCidr: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/16$/, 'an IPv4 /16 such as "10.0.0.0/16"').default('10.0.0.0/16'),
    availabilityZoneCount: z.number().int().min(2).max(4).default(2),
    natGateways: z.enum(['single', 'perAz']).default('single'),
    endpointPublicAccess: z.boolean().default(true),
    publicAccessCidrs: z.array(z.string().min(1)).default(['0.0.0.0/0']),
    clusterLogTypes: z.array(logType).default(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']),
    clusterLogRetentionDays: z.number().int().min(1).default(30),
    adminRoleArns: z.array(z.string().startsWith('arn:')).default([]),
    operatorNodes: nodePool({ instanceTypes: ['m7i.large'], min: 1, desired: 2, max: 3, diskGiB: 30 }),
    runnerNodes: nodePool({ instanceTypes: ['c7i.xlarge', 'c6i.xlarge', 'c7a.xlarge', 'm7i.xlarge'], min: 0, desired: 0, max: 20, diskGiB: 40 }),
    // 1 keeps pods off the node's instance profile; EKS Pod Identity does not go through IMDS.
    imdsHopLimit: z.number().int().min(1).max(2).default(1),
    bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).optional(),
    resultsPrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, 'path segments of lower-case letters, digits, ".", "_" and "-", no leading or trailing "/"')
      .default('results'),
    abortIncompleteMultipartDays: z.number().int().min(1).default(7),
    // 0 keeps results forever.
    expireResultsDays: z.number().int().min(0).default(0),
    noncurrentVersionExpirationDays: z.number().int().min(1).default(30),
    forceDestroyBucket: z.boolean().default(false),
    namespace: z.string().min(1).default('swarmlab-system'),
    operatorServiceAccount: z.string().min(1).default('swarmlab-operator'),
    runnerServiceAccount: z.string().min(1).default('swarmlab-runner'),
    imageTag: z.string().min(1).default('0.1.0'),
    runnerImageRepository: z.string().min(1).optional(),
    deployChart: z.boolean().default(true),
    // Without it the runner pool (min 0) never grows: only turn off when another autoscaler (e.g. Karpenter) is installed.
    clusterAutoscaler: z.boolean().default(true),
    clusterAutoscalerChartVersion: z.string().min(1).optional(),
    clusterAutoscalerImageTag: z.string().regex(/^v\d+\.\d+\.\d+$/).optional(),
    // Namespace where users (and sweep.yml) apply Experiments.
    experimentNamespace: z.string().min(1).default('swarmlab'),
    // owner/name: creates the OIDC roles for images.yml and sweep.yml when set.
    githubRepository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name').optional(),
    githubOidcProviderArn: z.string().startsWith('arn:').optional(),
    githubSweepBranch: z.string().min(1).default('main'),
    chartPath: z.string().min(1).default('../charts/swarmlab'),
  })
  .strict();

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type StackConfigInput = z.input<typeof stackConfigSchema>;

// Which keys hold plain strings: Pulumi stores every value as a string and
// `Config.getObject` would JSON-parse "1.35" into the number 1.35.
const STRING_KEYS = new Set(['region', 'kubernetesVersion', 'vpcCidr', 'natGateways', 'bucketName', 'resultsPrefix', 'namespace', 'operatorServiceAccount', 'runnerServiceAccount', 'imageTag', 'runnerImageRepository', 'chartPath', 'experimentNamespace', 'githubRepository', 'githubOidcProviderArn', 'githubSweepBranch', 'clusterAutoscalerChartVersion', 'clusterAutoscalerImageTag']);

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}

/**
 * Reads the stack's configuration through `get` (raw string values, as
 * `pulumi config set` stores them) and validates it. Errors name the config key.
 */
export function readStackConfig(keys: readonly string[], get: (key: string) => string | undefined): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    const value = get(key);
    if (value === undefined) continue;
    if (STRING_KEYS.has(key)) {
      raw[key] = value;
      continue;
    }
    try {
      raw[key] = JSON.parse(value);
    } catch {
      throw new StackConfigError(`config ${key}: not valid JSON (${JSON.stringify(value)}); set it with \`pulumi config set --path\` or as JSON`);
    }
  }
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `config ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new StackConfigError(lines.join('\n'));
  }
  return parsed.data;
}

export const STACK_CONFIG_KEYS: readonly string[] = Object.keys(stackConfigSchema.shape);
