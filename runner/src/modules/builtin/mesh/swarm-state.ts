/**
 * swarmlab's own definitions of the original's swarm measures (the original
 * names them but never defines them; docs/scenarios.md states these):
 *
 *  - Ψ, "consciousness density": how evenly the swarm performs. From the
 *    agents' mean rewards over the last report interval, Ψ = exp(-sd / scale),
 *    with sd their standard deviation (agents with no response left out): 1
 *    when every agent earns the same, towards 0 as some fall behind.
 *  - C, coherence: how much the agents agree. The probability that two
 *    distinct agents, asked greedily in the same current state, pick the same
 *    provider: sum over providers of c(c - 1) / (n (n - 1)), c agents choosing it.
 *    1 when all agree; 1 for a heuristic router, whose agents share one rule.
 */

export function psi(agentRewards: readonly (number | null)[], scale: number): number {
  const xs = agentRewards.filter((r): r is number => r !== null);
  if (xs.length < 2) return 1;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0) / (xs.length - 1);
  return Math.exp(-Math.sqrt(variance) / scale);
}

export function coherence(choices: readonly number[]): number {
  const n = choices.length;
  if (n < 2) return 1;
  const counts = new Map<number, number>();
  for (const c of choices) counts.set(c, (counts.get(c) ?? 0) + 1);
  let agree = 0;
  for (const c of counts.values()) agree += c * (c - 1);
  return agree / (n * (n - 1));
}
