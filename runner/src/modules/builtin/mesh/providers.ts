import { defineModule, expectInstance, type JsonObject, z } from 'swarmlab/sdk';

const Provider = z
  .object({
    name: z.string().min(1).max(64).describe('Provider name, as routers see it.'),
    latency: z.number().positive().describe('Unloaded latency of one request (logical seconds).'),
    price: z.number().min(0).describe('Price of one request at zero load.'),
    capacity: z.number().int().min(1).describe('Requests it serves at once; more are rejected.'),
  })
  .strict();

const Degradation = z
  .object({
    provider: z.string().min(1).describe('Name of the degraded provider.'),
    from: z.number().min(0).describe('Start of the degradation (logical time).'),
    until: z.number().min(0).optional().describe('End of the degradation; unset: until the run ends.'),
    latencyFactor: z.number().positive().default(1).describe('Latency is multiplied by this.'),
    capacityFactor: z.number().min(0).default(1).describe('Capacity is multiplied by this (0 = outage).'),
    priceFactor: z.number().positive().default(1).describe('Price is multiplied by this.'),
  })
  .strict();

/** The seven providers of the original simulator's default: fast and pricey down to slow and cheap. */
export const DEFAULT_PROVIDERS: z.input<typeof Provider>[] = [
  { name: 'atlas', latency: 0.18, price: 3.6, capacity: 8 },
  { name: 'borealis', latency: 0.22, price: 3.0, capacity: 8 },
  { name: 'cirrus', latency: 0.3, price: 2.4, capacity: 10 },
  { name: 'delta', latency: 0.35, price: 2.0, capacity: 10 },
  { name: 'ember', latency: 0.45, price: 1.6, capacity: 12 },
  { name: 'fjord', latency: 0.55, price: 1.3, capacity: 8 },
  { name: 'gale', latency: 0.8, price: 1.0, capacity: 8 },
];

export const meshProvidersConfig = z
  .object({
    router: z.string().min(1).default('router').describe('Router instance this pool serves (receives the catalogue and the responses).'),
    providers: z.array(Provider).min(1).max(64).default(DEFAULT_PROVIDERS).describe('The providers.'),
    congestion: z.number().min(0).default(2).describe('Latency grows by factor 1 + congestion * utilisation^2.'),
    surge: z.number().min(0).default(0.25).describe('Price grows by factor 1 + surge * utilisation.'),
    jitter: z.number().min(0).max(0.99).default(0.2).describe('Relative latency noise, uniform in +-jitter.'),
    rejectTime: z.number().min(0).default(0.05).describe('Time until a router learns a request was rejected.'),
    degradations: z.array(Degradation).max(64).default([]).describe('Injected provider degradations over logical time.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set(c.providers.map((p) => p.name));
    if (names.size !== c.providers.length) ctx.addIssue({ code: 'custom', path: ['providers'], message: 'provider names must be unique' });
    c.degradations.forEach((d, i) => {
      if (!names.has(d.provider)) ctx.addIssue({ code: 'custom', path: ['degradations', i, 'provider'], message: `unknown provider ${d.provider}` });
    });
  });

/** The instants (> 0) at which some degradation starts or ends, in order. */
export function changeTimes(degradations: readonly { from: number; until?: number | undefined }[]): number[] {
  const times = new Set<number>();
  for (const d of degradations) {
    if (d.from > 0) times.add(d.from);
    if (d.until !== undefined) times.add(d.until);
  }
  return [...times].sort((a, b) => a - b);
}

/**
 * A pool of AI providers. Load is the number of requests in flight; a request
 * finds its provider's latency and price raised by the current utilisation,
 * and is rejected when the provider is at capacity. Its router gets the
 * catalogue with the load model at the start and a status (effective
 * capacity, degradation factors) whenever a degradation starts or ends.
 */
export const meshProviders = defineModule({
  kind: 'agent',
  name: 'mesh-providers',
  version: '2.0.0',
  description: 'AI providers with latency, price and capacity that respond to load, with injectable degradations.',
  config: meshProvidersConfig,
  validate: (config, scenario) => expectInstance(scenario, config.router, ['router'], ['mesh-router']),
  create(config, ctx) {
    const n = config.providers.length;
    // Completion times of requests in flight, per provider; released lazily when the provider is next asked.
    const inflight: number[][] = config.providers.map(() => []);
    const served = new Array<number>(n).fill(0);
    const rejected = new Array<number>(n).fill(0);

    const factors = (p: number, now: number) => {
      let lat = 1;
      let cap = 1;
      let price = 1;
      const name = config.providers[p]!.name;
      for (const d of config.degradations) {
        if (d.provider === name && now >= d.from && (d.until === undefined || now < d.until)) {
          lat *= d.latencyFactor;
          cap *= d.capacityFactor;
          price *= d.priceFactor;
        }
      }
      return { lat, cap, price };
    };

    const release = (p: number, now: number) => {
      const list = inflight[p]!;
      let w = 0;
      for (const t of list) if (t > now) list[w++] = t;
      list.length = w;
    };

    // What a router may know of the pool at time t: the effective capacity and the degradation factors.
    const statusAt = (t: number): JsonObject[] =>
      config.providers.map((p, i) => {
        const f = factors(i, t);
        return { capacity: Math.floor(p.capacity * f.cap), latencyFactor: f.lat, priceFactor: f.price };
      });

    return {
      start(sim) {
        const catalogue = config.providers.map((p) => ({ name: p.name, latency: p.latency, price: p.price, capacity: p.capacity }));
        sim.emit({ type: 'catalogue', target: config.router, payload: { pool: ctx.instance, providers: catalogue, congestion: config.congestion, surge: config.surge, status: statusAt(0) } });
        // The pool announces every change of a provider's state when it happens (a status page), before any request of that instant.
        for (const t of changeTimes(config.degradations)) sim.emit({ type: 'status', target: config.router, delay: t, priority: -1, payload: { providers: statusAt(t) } });
      },
      handle: {
        route(e, sim) {
          const p = e.payload.provider as number;
          const spec = config.providers[p];
          const reply: JsonObject = { id: e.payload.id ?? null, agent: e.payload.agent ?? null, provider: p };
          const back = `${config.router}/${String(e.payload.agent)}`;
          if (!spec) {
            rejected[0] = (rejected[0] ?? 0) + 1;
            sim.emit({ type: 'response', target: back, delay: config.rejectTime, payload: { ...reply, served: false, latency: config.rejectTime, cost: 0 } });
            return;
          }
          release(p, sim.now);
          const f = factors(p, sim.now);
          const capacity = Math.floor(spec.capacity * f.cap);
          const load = inflight[p]!.length;
          if (load >= capacity) {
            rejected[p] = rejected[p]! + 1;
            sim.emit({ type: 'response', target: back, delay: config.rejectTime, payload: { ...reply, served: false, latency: config.rejectTime, cost: 0 } });
            return;
          }
          const util = capacity > 0 ? (load + 1) / capacity : 1;
          const u = typeof e.payload.u === 'number' ? e.payload.u : 0.5;
          const latency = spec.latency * f.lat * (1 + config.congestion * util * util) * (1 + config.jitter * (2 * u - 1));
          const cost = spec.price * f.price * (1 + config.surge * util);
          inflight[p]!.push(sim.now + latency);
          served[p] = served[p]! + 1;
          sim.emit({ type: 'response', target: back, delay: latency, payload: { ...reply, served: true, latency, cost } });
        },
      },
      summary: () => ({
        providers: config.providers.map((p, i) => ({ name: p.name, served: served[i]!, rejected: rejected[i]! })),
      }),
    };
  },
});
