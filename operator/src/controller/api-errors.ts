import { ApiException, type V1ObjectMeta } from '@kubernetes/client-node';
import { isSwarmlabError } from 'swarmlab';

// What the reconciler needs to know about a failed call: the Kubernetes
// API's status codes, and one line for logs, events and conditions.

export function isConflict(e: unknown): boolean {
  return e instanceof ApiException && e.code === 409;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiException && e.code === 404;
}

export function describeError(e: unknown): string {
  if (isSwarmlabError(e)) return e.describe();
  if (e instanceof ApiException) return `API ${e.code}: ${typeof e.body === 'string' ? e.body.slice(0, 300) : JSON.stringify(e.body).slice(0, 300)}`;
  return e instanceof Error ? e.message : String(e);
}

/** An object found by name is this Experiment's, not a left-over of an earlier one of the same name the garbage collector has yet to remove. */
export function ownedBy(obj: { metadata?: V1ObjectMeta }, uid: string): boolean {
  return obj.metadata?.ownerReferences?.some((r) => r.uid === uid) === true;
}
