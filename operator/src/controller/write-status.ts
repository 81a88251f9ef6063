import { API_GROUP, canonicalJson } from 'swarmlab';
import { ExperimentStatus } from '../api/status.ts';
import { CRD_VERSION, PLURAL } from '../crd/generate.ts';
import type { Decision } from '../status/decide.ts';
import { mergePatch, type Calls, type ExperimentObject, type ReconcilerDeps } from './deps.ts';
import { recordEvent } from './events.ts';

/** Through /status, only when something changed; then the decision's events. Keys that disappeared are removed explicitly (merge patch). */
export async function writeStatus(
  d: Pick<ReconcilerDeps, 'custom' | 'core' | 'clock' | 'config' | 'log'>,
  calls: Calls,
  obj: ExperimentObject,
  previous: ExperimentStatus | undefined,
  decision: Decision,
): Promise<void> {
  const next = ExperimentStatus.parse(decision.status);
  if (previous !== undefined && canonicalJson(previous) === canonicalJson(next)) return;
  const patch: Record<string, unknown> = { ...next };
  for (const k of Object.keys(previous ?? {})) if (!(k in next)) patch[k] = null;
  const namespace = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  await calls.api('patch', () =>
    d.custom.patchNamespacedCustomObjectStatus({ group: API_GROUP, version: CRD_VERSION, namespace, plural: PLURAL, name, body: { status: patch } }, mergePatch),
  );
  for (const ev of decision.events) await recordEvent(d, calls, obj, ev);
}
