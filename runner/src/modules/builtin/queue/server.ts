import { defineModule, type Sim, z } from 'swarmlab/sdk';

/**
 * An M/M/c queue: c identical servers, exponential service of rate mu, FIFO.
 * Records each customer's sojourn (arrival at the queue to departure).
 */
export const serviceQueue = defineModule({
  kind: 'agent',
  name: 'service-queue',
  publishes: { metrics: { queueLength: 'Customers waiting.', busy: 'Servers busy.', inSystem: 'Customers waiting or in service.', served: 'Customers served so far.' } },
  version: '1.0.0',
  description: 'FIFO queue with c servers and exponential service times (M/M/c).',
  config: z
    .object({
      servers: z.number().int().min(1).max(10_000).default(1).describe('Number of servers c.'),
      serviceRate: z.number().positive().default(1).describe('Service rate mu per server.'),
      warmup: z.number().min(0).default(0).describe('Customers arriving before this time are left out of the statistics.'),
    })
    .strict(),
  create(config, ctx) {
    const rng = ctx.rng('service');
    const waiting: { customer: number; arrived: number }[] = [];
    let head = 0;
    let busy = 0;
    let served = 0;
    let measured = 0;
    let sojournSum = 0;
    let waitSum = 0;
    const self = ctx.instance;

    const startService = (customer: number, arrived: number, sim: Sim) => {
      busy++;
      sim.emit({ type: 'departure', target: self, delay: rng.exponential(config.serviceRate), payload: { customer, arrived, started: sim.now } });
    };

    return {
      handle: {
        arrival(e, sim) {
          const customer = e.payload.customer as number;
          if (busy < config.servers) startService(customer, sim.now, sim);
          else waiting.push({ customer, arrived: sim.now });
        },
        departure(e, sim) {
          busy--;
          served++;
          const arrived = e.payload.arrived as number;
          if (arrived >= config.warmup) {
            measured++;
            sojournSum += sim.now - arrived;
            waitSum += (e.payload.started as number) - arrived;
          }
          if (head < waiting.length) {
            const next = waiting[head++]!;
            // Compact now and then so a long run does not keep every served customer.
            if (head > 1024 && head * 2 > waiting.length) {
              waiting.splice(0, head);
              head = 0;
            }
            startService(next.customer, next.arrived, sim);
          }
        },
      },
      metrics: () => ({ queueLength: waiting.length - head, busy, inSystem: waiting.length - head + busy, served }),
      summary: () => ({
        served,
        measured,
        meanSojourn: measured ? sojournSum / measured : 0,
        meanWait: measured ? waitSum / measured : 0,
      }),
    };
  },
});
