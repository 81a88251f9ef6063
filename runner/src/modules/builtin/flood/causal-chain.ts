import { entityOf, type RunLog, type SimEvent, z } from 'swarmlab/sdk';

export const ChainStep = z
  .object({
    seq: z.number().int().min(0),
    time: z.number(),
    type: z.string(),
    source: z.string(),
    target: z.string(),
    service: z.string().nullable().describe('The service the event concerns, when it concerns one.'),
    relation: z.enum(['failure', 'trigger', 'propagated-from', 'contributed', 'root']).describe('How this event relates to the step before it; root: where the chain starts.'),
    note: z.string(),
  })
  .strict();
export type ChainStep = z.infer<typeof ChainStep>;
type Relation = ChainStep['relation'];

/** Event types that weaken a service and so can explain a later overload. */
const WEAKENING = new Set(['flood.damage', 'dependency.change', 'release']);

/** The service an event concerns: the entity it targets, or the service a health change names. */
function serviceOf(instance: string, e: SimEvent): string | null {
  if (e.type === 'health.changed') return String(e.payload.service);
  return e.target.startsWith(`${instance}/`) ? (entityOf(e.target) ?? null) : null;
}

/** Why an instance-level or operational event mattered to `service`. */
function noteFor(e: SimEvent, service: string): string {
  switch (e.type) {
    case 'tick':
      return `demand plus backlog exceeded what ${service} could serve`;
    case 'shed':
      return `load shedding at ${service} set to ${Number(e.payload.fraction).toFixed(2)}`;
    case 'reroute':
      return `rerouting changed at ${service}`;
    case 'dispatch':
      return `resources arrived at ${service}`;
    case 'release':
      return `${Number(e.payload.units)} dispatched unit(s) left ${service} at the end of their deployment, taking their capacity with them`;
    case 'repair':
      return `repair at ${service}`;
    default:
      return e.type;
  }
}

/**
 * The causal chain of one failure, newest event first, read from the log
 * alone. Each step names the service the chain is at: a health change moves
 * it to that service, so an overload found at a `tick` (an event of the whole
 * infrastructure) is charged to the service whose health changed, not to the
 * service whose failure the chain explains.
 */
export function causalChain(log: RunLog, instance: string, failureIndex: number): ChainStep[] {
  const indexBySeq = new Map<number, number>();
  log.events.forEach((e, i) => indexBySeq.set(e.seq, i));
  const eventAt = (seq: unknown): { e: SimEvent; i: number } | undefined => {
    const i = typeof seq === 'number' ? indexBySeq.get(seq) : undefined;
    return i === undefined ? undefined : { e: log.events[i] as SimEvent, i };
  };
  const step = (e: SimEvent, relation: Relation, note: string, service: string | null = serviceOf(instance, e)): ChainStep => ({
    seq: e.seq,
    time: e.time,
    type: e.type,
    source: e.source,
    target: e.target,
    service,
    relation,
    note,
  });
  const causeOf = (e: SimEvent) => eventAt((e.payload.cause as { seq: number } | undefined)?.seq);

  const failure = log.events[failureIndex] as SimEvent;
  const chain = [step(failure, 'failure', `${String(failure.payload.service)} ${String(failure.payload.from)} -> failed (stress ${Number(failure.payload.stress).toFixed(2)}, damage ${Number(failure.payload.damage).toFixed(2)})`)];
  let service = String(failure.payload.service);
  let cur = causeOf(failure);
  let relation: Exclude<Relation, 'failure' | 'root'> = 'trigger';
  let lastIndex = failureIndex;
  // Each step moves strictly back in execution order, so the walk ends.
  while (cur && cur.i < lastIndex) {
    const { e, i } = cur;
    lastIndex = i;
    if (e.type === 'dependency.change') {
      chain.push(step(e, relation, `${String(e.payload.upstream)} reported ${String(e.payload.health)} to ${serviceOf(instance, e) ?? '?'}`));
      cur = eventAt(e.payload.origin);
      relation = 'propagated-from';
      continue;
    }
    if (e.type === 'health.changed') {
      service = String(e.payload.service);
      chain.push(step(e, relation, `${service} ${String(e.payload.from)} -> ${String(e.payload.to)}`));
      cur = causeOf(e);
      relation = 'trigger';
      continue;
    }
    if (e.type === 'flood.damage') {
      chain.push(step(e, 'root', `root cause: flood damage ${Number(e.payload.amount).toFixed(3)} at level ${Number(e.payload.level).toFixed(2)} to ${serviceOf(instance, e) ?? service}`));
      return chain;
    }
    service = serviceOf(instance, e) ?? service;
    // An overload has a history: find the last event that weakened this service before it.
    let found: { e: SimEvent; i: number } | undefined;
    for (let j = i - 1; j >= 0; j--) {
      const c = log.events[j] as SimEvent;
      if (!WEAKENING.has(c.type) || c.target !== `${instance}/${service}`) continue;
      if (c.type === 'dependency.change' && c.payload.health === 'ok') continue;
      found = { e: c, i: j };
      break;
    }
    if (!found) {
      chain.push(step(e, 'root', `root cause: ${noteFor(e, service)} (demand surge, no earlier weakening)`, service));
      return chain;
    }
    chain.push(step(e, relation, noteFor(e, service), service));
    cur = found;
    relation = 'contributed';
  }
  return chain;
}
