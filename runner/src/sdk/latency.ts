/**
 * How long a message takes, on top of the delay its sender asked for. Flat
 * rather than a union so that it maps onto a structural CRD schema.
 */
export interface LatencyModel {
  readonly model: 'fixed' | 'uniform' | 'exponential' | 'normal' | 'lognormal' | 'edge';
  /** fixed: the latency. */
  readonly value?: number;
  /** uniform: bounds. */
  readonly min?: number;
  readonly max?: number;
  /** exponential, normal: mean. */
  readonly mean?: number;
  /** normal: standard deviation. */
  readonly sd?: number;
  /** lognormal: parameters of the underlying normal. */
  readonly mu?: number;
  readonly sigma?: number;
  /** edge: multiplies the edge weight of the network the intent travels `via`. */
  readonly scale?: number;
}

export interface LatencyRule extends LatencyModel {
  readonly name: string;
  /** Matches the emitting module instance; unset matches any. */
  readonly source?: string;
  /** Matches the intent's channel (default: its type); unset matches any. */
  readonly channel?: string;
}
