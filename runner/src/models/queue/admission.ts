import { z } from 'zod';
import { defineModule } from '../../modules/api.ts';

/** Finite buffer (M/M/c/K): turns arrivals away while the queue is full. */
export const admissionControl = defineModule({
  kind: 'policy',
  name: 'admission-control',
  version: '1.0.0',
  description: 'Refuses arrival intents while the watched queue length is at capacity.',
  config: z
    .object({
      watch: z.string().min(1).default('server.queueLength').describe('Metric holding the queue length, as instance.metric.'),
      capacity: z.number().int().min(0).optional().describe('Waiting places; unset means unlimited.'),
      eventType: z.string().min(1).default('arrival').describe('Intent type the policy gates.'),
    })
    .strict(),
  create(config) {
    let refused = 0;
    return {
      review(intent, view) {
        if (config.capacity === undefined || intent.type !== config.eventType) return { allow: true };
        if (view.metric(config.watch) >= config.capacity) {
          refused++;
          return { allow: false, reason: `queue full (${config.capacity} waiting)`, code: 'QUEUE_FULL' };
        }
        return { allow: true };
      },
      metrics: () => ({ refused }),
    };
  },
});
