/**
 * Synchronous rounds for round-based models (vote cascades, cellular automata):
 * every agent decides against the same frozen snapshot, and only then are the
 * decisions applied, so no agent sees another's decision from the same round.
 */
export function synchronousRound<S extends object, A, D>(
  snapshot: S,
  agents: readonly A[],
  decide: (agent: A, snapshot: Readonly<S>, index: number) => D,
  apply: (decisions: readonly D[]) => void,
): readonly D[] {
  const frozen = deepFreeze(snapshot);
  const decisions = agents.map((a, i) => decide(a, frozen, i));
  apply(decisions);
  return decisions;
}

function deepFreeze<T extends object>(value: T): T {
  if (Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) {
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) deepFreeze(v as object);
  }
  return value;
}
