import { defineModule, z } from 'swarmlab/sdk';

/** Finite capacity (M/M/c/N): turns arrivals away while the system is full. */
export const admissionControl = defineModule({
  kind: 'policy',
  name: 'admission-control',
  publishes: { metrics: { refused: 'Arrivals refused because the system was full.' } },
  version: '1.0.0',
  description: 'Refuses arrival intents while the number of customers in the system is at capacity (M/M/c/N).',
  config: z
    .object({
      watch: z.string().min(1).default('server.inSystem').describe('Metric holding the number of customers in the system, as instance.metric.'),
      capacity: z.number().int().min(1).optional().describe('System capacity N (in service plus waiting); unset means unlimited.'),
      eventType: z.string().min(1).default('arrival').describe('Intent type the policy gates.'),
    })
    .strict(),
  validate(config, scenario) {
    if (config.capacity === undefined) return [];
    const dot = config.watch.indexOf('.');
    const instance = dot > 0 ? config.watch.slice(0, dot) : '';
    const watched = dot > 0 && dot < config.watch.length - 1 ? scenario.instance(instance) : undefined;
    if (watched === undefined) {
      return [{ path: ['watch'], message: `watch ${config.watch} does not name a metric of an instance of the scenario`, hint: `a metric is <instance>.<key>, e.g. server.inSystem; instances: ${scenario.instances.map((i) => i.instance).join(', ')}` }];
    }
    // Every review would read a metric nobody publishes, and every run would fail.
    const key = config.watch.slice(dot + 1);
    if (watched.metrics !== undefined && !watched.metrics.includes(key)) {
      return [{ path: ['watch'], message: `${instance} (${watched.module}) publishes no metric ${key}`, hint: `its metrics: ${watched.metrics.join(', ')}` }];
    }
    return [];
  },
  create(config) {
    let refused = 0;
    return {
      // Without a capacity nothing is ever refused; with one, only its event type is.
      reviews: config.capacity === undefined ? [] : [config.eventType],
      review(intent, view) {
        if (config.capacity === undefined || intent.type !== config.eventType) return { allow: true };
        if (view.metric(config.watch) >= config.capacity) {
          refused++;
          return { allow: false, reason: `system full (${config.capacity} customers)`, code: 'QUEUE_FULL' };
        }
        return { allow: true };
      },
      metrics: () => ({ refused }),
    };
  },
});
