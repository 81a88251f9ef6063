// Child object names are a pure function of the Experiment and its spec
// digest, so an operator restarted at any point finds what it already created
// instead of creating it twice.

/** Longest Job name: a pod hostname is `<job>-<index>` and must be a DNS label (63), indexes have up to 8 digits. */
export const MAX_JOB_NAME = 54;

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  experiment: 'swarmlab.io/experiment',
  experimentUid: 'swarmlab.io/experiment-uid',
  digest: 'swarmlab.io/spec-digest',
  jobGeneration: 'swarmlab.io/job-generation',
  jobPart: 'swarmlab.io/job-part',
  round: 'swarmlab.io/round',
  kueueQueue: 'kueue.x-k8s.io/queue-name',
} as const;
export const MANAGED_BY = 'swarmlab';

export const ANNOTATIONS = {
  /** Runs each completion index of the Job runs (absent: one). */
  runsPerPod: 'swarmlab.io/runs-per-pod',
} as const;

function truncated(name: string, room: number): string {
  return name.slice(0, Math.max(1, room)).replace(/-+$/, '');
}

/**
 * `<exp>-<digest8>-<generation>`, or `<exp>-<digest8>-<generation>-p<part>`
 * when the sweep is split over several Jobs; the experiment name cut so the
 * whole stays within MAX_JOB_NAME (a part Job's indexes have at most 5 digits).
 */
export function jobName(experiment: string, digest: string, generation: number, part?: number): string {
  const suffix = `-${digest.slice(0, 8)}-${generation}${part === undefined ? '' : `-p${part}`}`;
  return truncated(experiment, MAX_JOB_NAME - suffix.length) + suffix;
}

/** The frozen spec the runner pods read: `<exp>-<digest8>-spec`. */
export function specConfigMapName(experiment: string, digest: string): string {
  const suffix = `-${digest.slice(0, 8)}-spec`;
  return truncated(experiment, 63 - suffix.length) + suffix;
}

/** The Job that builds the results tables from the manifest: `<exp>-<digest8>-results` (never parsed as a run Job: no generation). */
export function resultsJobName(experiment: string, digest: string): string {
  const suffix = `-${digest.slice(0, 8)}-results`;
  return truncated(experiment, 63 - suffix.length) + suffix;
}

/** Parses the generation back out of a Job name built by jobName, or undefined. */
export function jobGenerationOf(name: string, digest: string): number | undefined {
  const m = new RegExp(`-${digest.slice(0, 8)}-(\\d+)(?:-p\\d+)?$`).exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** The Job of round `round` of an adaptive sweep: `<exp>-<digest8>-r<round>` (never parsed as a generation: no digits follow the digest). */
export function roundJobName(experiment: string, digest: string, round: number): string {
  const suffix = `-${digest.slice(0, 8)}-r${round}`;
  return truncated(experiment, MAX_JOB_NAME - suffix.length) + suffix;
}
