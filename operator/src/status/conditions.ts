import type { Condition, ConditionType } from '../api/status.ts';

// Every condition type is always present, in this order, so `kubectl wait
// --for=condition=Complete` works and status has a fixed size.
export const CONDITION_ORDER: readonly ConditionType[] = ['Accepted', 'InvalidSpec', 'Queued', 'Running', 'Suspended', 'Complete', 'Failed', 'OutputConflict', 'StorageUnavailable', 'ResultsReady'];

export const MAX_MESSAGE = 1024;

export interface ConditionValue {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Every condition as it stands before a pass decides otherwise: accepted, nothing running, failed or ready yet. */
export function initialConditions(queued = false): Record<ConditionType, ConditionValue> {
  return {
    Accepted: { status: 'True', reason: 'Validated', message: 'the spec passed runtime validation' },
    InvalidSpec: { status: 'False', reason: 'Valid', message: '' },
    Queued: { status: 'False', reason: queued ? 'Admitted' : 'NoQueue', message: '' },
    Running: { status: 'False', reason: 'NotStarted', message: '' },
    Suspended: { status: 'False', reason: 'NotSuspended', message: '' },
    Complete: { status: 'False', reason: 'InProgress', message: '' },
    Failed: { status: 'False', reason: 'NoFailure', message: '' },
    OutputConflict: { status: 'False', reason: 'NoConflict', message: '' },
    StorageUnavailable: { status: 'False', reason: 'StoreReachable', message: '' },
    ResultsReady: { status: 'False', reason: 'NoManifest', message: '' },
  };
}

export function truncateMessage(message: string, max = MAX_MESSAGE): string {
  return message.length <= max ? message : `${message.slice(0, max - 3)}...`;
}

/**
 * The full condition list from the values now. lastTransitionTime moves only
 * when a condition's status changes, so an unchanged world gives an
 * identical list (and no status write).
 */
export function conditionsFrom(
  values: Readonly<Record<ConditionType, ConditionValue>>,
  previous: readonly Condition[] | undefined,
  now: string,
  generation: number,
): Condition[] {
  return CONDITION_ORDER.map((type) => {
    const v = values[type];
    const prev = previous?.find((c) => c.type === type);
    return {
      type,
      status: v.status,
      reason: v.reason,
      message: truncateMessage(v.message),
      lastTransitionTime: prev !== undefined && prev.status === v.status ? prev.lastTransitionTime : now,
      observedGeneration: generation,
    };
  });
}

export function conditionStatus(conditions: readonly Condition[] | undefined, type: ConditionType): Condition['status'] | undefined {
  return conditions?.find((c) => c.type === type)?.status;
}
