import { z } from 'zod';

// Kueue's Workload objects, as far as the operator reads them: Kueue makes
// one per Job that carries the kueue.x-k8s.io/queue-name label, admits it
// (quota reserved, admission checks passed) and then unsuspends the Job. The
// operator never touches such a Job's suspend or parallelism; it reads the
// Workload for status and pauses it through spec.active (Kueue's documented
// way to deactivate a Workload).

/** The API group, the version Kueue v0.17 stores (v1beta1 is served but deprecated), and the resource. */
export const WORKLOADS = { group: 'kueue.x-k8s.io', version: 'v1beta2', plural: 'workloads' } as const;

/** The label Kueue puts on a Workload: the UID of the Job it was made for. */
export const JOB_UID_LABEL = 'kueue.x-k8s.io/job-uid';

const Condition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** The fields read; everything else Kueue writes is ignored (loose objects). */
export const Workload = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({ active: z.boolean().optional() }).optional(),
  status: z.looseObject({ conditions: z.array(Condition).optional() }).optional(),
});
export type Workload = z.infer<typeof Workload>;

/** What decide() needs to know about the Workloads of an Experiment's Jobs. */
export interface QueueObservation {
  /** The LocalQueue (spec.execution.queueName). */
  queueName: string;
  /** Every Job has a Workload, and every one is admitted. */
  admitted: boolean;
  /** No Workload has spec.active false (Workloads not made yet count as active: Kueue makes them active). */
  allActive: boolean;
  /** Every Job has a Workload and every one has spec.active false. */
  allInactive: boolean;
  /** Why a Job is not admitted, from its Workload (Kueue's reason and message); undefined while every one is admitted. */
  waiting: { reason: string; message: string } | undefined;
  /** Kueue has not said anything yet about some Job: no Workload, or one without a QuotaReserved or Evicted condition (it will, within moments). */
  undecided: boolean;
}

const isTrue = (w: Workload, type: string) => w.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true;
const condition = (w: Workload, type: string) => w.status?.conditions?.find((c) => c.type === type);

/** Parses a list response's items, skipping what is not a Workload (never throws on Kueue's additions). */
export function parseWorkloads(items: readonly unknown[]): Workload[] {
  const out: Workload[] = [];
  for (const item of items) {
    const parsed = Workload.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/**
 * The queue state of one Experiment's Jobs from their Workloads, matched by
 * Job UID. A Job Kueue has not made a Workload for yet is waiting too: Kueue
 * created it suspended and will not start it before admitting it.
 */
export function observeQueue(queueName: string, jobUids: readonly string[], workloads: readonly Workload[]): QueueObservation {
  const byJob = new Map<string, Workload>();
  for (const w of workloads) {
    const uid = w.metadata.labels?.[JOB_UID_LABEL];
    if (uid !== undefined) byJob.set(uid, w);
  }
  let admitted = jobUids.length > 0;
  let allActive = true;
  let allInactive = jobUids.length > 0;
  let waiting: QueueObservation['waiting'];
  let undecided = false;
  for (const uid of jobUids) {
    const w = byJob.get(uid);
    const active = w?.spec?.active !== false;
    allActive &&= active;
    allInactive &&= w !== undefined && !active;
    if (w !== undefined && isTrue(w, 'Admitted')) continue;
    admitted = false;
    undecided ||= w === undefined || (active && condition(w, 'QuotaReserved') === undefined && condition(w, 'Evicted') === undefined);
    waiting ??= whyWaiting(queueName, w);
  }
  return { queueName, admitted, allActive, allInactive, waiting, undecided };
}

/** Kueue's own words for a Workload that is not admitted: QuotaReserved False says why (e.g. insufficient unused quota), Evicted says it was preempted or deactivated. */
function whyWaiting(queueName: string, w: Workload | undefined): { reason: string; message: string } {
  if (w === undefined) return { reason: 'WorkloadNotCreated', message: `waiting for Kueue to create the Workload of a Job in LocalQueue ${queueName}` };
  if (w.spec?.active === false) return { reason: 'Deactivated', message: `Workload ${w.metadata.name} is inactive (spec.active false)` };
  const evicted = condition(w, 'Evicted');
  const reserved = condition(w, 'QuotaReserved');
  const admitted = condition(w, 'Admitted');
  const from = evicted?.status === 'True' ? evicted : reserved?.status === 'False' ? reserved : reserved?.status === 'True' ? admitted : undefined;
  const reason = conditionReason(from?.reason) ?? 'Pending';
  const message = from?.message !== undefined && from.message !== '' ? from.message : 'not admitted yet';
  return { reason, message: `Workload ${w.metadata.name} in LocalQueue ${queueName}: ${message}` };
}

/** Kueue's reasons are CamelCase already; anything else is not copied into a condition reason. */
function conditionReason(reason: string | undefined): string | undefined {
  return reason !== undefined && /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/.test(reason) && reason.length <= 128 ? reason : undefined;
}
