import { randomBytes } from 'node:crypto';
import type { KubeEvent } from '../status/decide.ts';
import { describeError } from './api-errors.ts';
import type { Calls, ExperimentObject, ReconcilerDeps } from './deps.ts';

/** A Kubernetes Event about the Experiment; best effort: losing one must not fail the reconcile. */
export async function recordEvent(d: Pick<ReconcilerDeps, 'core' | 'clock' | 'config' | 'log'>, calls: Calls, obj: ExperimentObject, ev: KubeEvent): Promise<void> {
  const namespace = obj.metadata?.namespace ?? '';
  const now = new Date(d.clock.now());
  try {
    await calls.api('create', () =>
      d.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${obj.metadata?.name ?? 'experiment'}.${randomBytes(8).toString('hex')}`, namespace },
          involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace, uid: obj.metadata?.uid },
          type: ev.type,
          reason: ev.reason,
          message: ev.message.slice(0, 1024),
          source: { component: 'swarmlab-operator' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: 'swarmlab.io/operator',
          reportingInstance: d.config.identity ?? 'swarmlab-operator',
        },
      }),
    );
  } catch (e) {
    d.log(`event ${ev.reason} for ${namespace}/${obj.metadata?.name ?? ''}: ${describeError(e)}`);
  }
}
