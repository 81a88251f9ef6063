import { z } from 'swarmlab/sdk';

/**
 * A router's view of its provider pool: the catalogue and load model the pool
 * announced, each provider's current status (effective capacity, degradation
 * factors), and the requests this router has in flight at each provider. The
 * pool serves only this router, so the in-flight counts are the pool's load.
 */

export const CatalogueMessage = z.object({
  pool: z.string(),
  providers: z.array(z.object({ name: z.string(), latency: z.number(), price: z.number(), capacity: z.number() }).strict()).min(1),
  congestion: z.number(),
  surge: z.number(),
  status: z.array(z.object({ capacity: z.number(), latencyFactor: z.number(), priceFactor: z.number() }).strict()),
});
export type CatalogueMessage = z.infer<typeof CatalogueMessage>;
export type ProviderStatus = CatalogueMessage['status'][number];

/**
 * Discretisation of one provider's observation (swarmlab's choice, documented
 * in docs/scenarios.md). Thresholds are fixed so that Q-tables written by one
 * run mean the same in another; OBSERVATION_ENCODING names them.
 *  - free capacity, as a share of the effective capacity: 0 none (full or out), 1 up to 1/3, 2 up to 2/3, 3 more;
 *  - expected latency of one more request over the catalogue latency: 0 up to 1.25, 1 up to 2, 2 more;
 *  - expected price of one more request over the catalogue price: 0 up to 1.1, 1 more.
 */
const FREE_LEVELS = [1 / 3, 2 / 3] as const;
const LATENCY_LEVELS = [1.25, 2] as const;
const PRICE_LEVELS = [1.1] as const;
export const OBSERVATION_ENCODING = 'free4-latency3-price2/1';
/** The number of distinct provider observations: the bound on a Q-table's rows. */
export const OBSERVATION_LEVELS = 4 * 3 * 2;

function level(x: number, thresholds: readonly number[]): number {
  let b = 0;
  while (b < thresholds.length && x > thresholds[b]!) b++;
  return b;
}

export class PoolView {
  readonly names: readonly string[];
  private readonly baseLatency: number[];
  private readonly basePrice: number[];
  private readonly congestion: number;
  private readonly surge: number;
  private status: ProviderStatus[];
  private readonly inflight: number[];

  constructor(msg: CatalogueMessage) {
    this.names = msg.providers.map((p) => p.name);
    this.baseLatency = msg.providers.map((p) => p.latency);
    this.basePrice = msg.providers.map((p) => p.price);
    this.congestion = msg.congestion;
    this.surge = msg.surge;
    this.status = msg.status.slice();
    this.inflight = new Array<number>(msg.providers.length).fill(0);
  }

  get size(): number {
    return this.names.length;
  }

  update(status: readonly ProviderStatus[]): void {
    this.status = status.slice();
  }

  capacity(p: number): number {
    return this.status[p]?.capacity ?? 0;
  }

  free(p: number): number {
    return Math.max(0, this.capacity(p) - this.inflight[p]!);
  }

  /** Records a request sent to p; returns whether the pool will serve it (it rejects at capacity). */
  send(p: number): boolean {
    if (this.free(p) === 0) return false;
    this.inflight[p] = this.inflight[p]! + 1;
    return true;
  }

  /** A served request's response came back. */
  done(p: number): void {
    this.inflight[p] = Math.max(0, this.inflight[p]! - 1);
  }

  /** Utilisation the next request would see, as the pool computes it. */
  private nextUtilisation(p: number): number {
    const cap = this.capacity(p);
    return cap > 0 ? (this.inflight[p]! + 1) / cap : 1;
  }

  /** Latency the next request to p is expected to take (without jitter); Infinity when p is out. */
  expectedLatency(p: number): number {
    if (this.capacity(p) === 0) return Number.POSITIVE_INFINITY;
    const u = this.nextUtilisation(p);
    return this.baseLatency[p]! * this.status[p]!.latencyFactor * (1 + this.congestion * u * u);
  }

  /** Price the next request to p is expected to cost. */
  expectedPrice(p: number): number {
    return this.basePrice[p]! * this.status[p]!.priceFactor * (1 + this.surge * this.nextUtilisation(p));
  }

  /** The discretised observation of provider p (its Q-table row key), e.g. `f3l0p0`. */
  key(p: number): string {
    const cap = this.capacity(p);
    const f = cap > 0 && this.free(p) > 0 ? 1 + level(this.free(p) / cap, FREE_LEVELS) : 0;
    const lat = cap > 0 ? level(this.expectedLatency(p) / this.baseLatency[p]!, LATENCY_LEVELS) : LATENCY_LEVELS.length;
    const price = level(this.expectedPrice(p) / this.basePrice[p]!, PRICE_LEVELS);
    return `f${f}l${lat}p${price}`;
  }

  /** Every provider's observation key, in provider order: an agent's state. */
  keys(): string[] {
    const out: string[] = [];
    for (let p = 0; p < this.names.length; p++) out.push(this.key(p));
    return out;
  }
}
