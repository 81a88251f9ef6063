export { EventQueue, type Ordered } from './event-queue.ts';
export { Simulation, REFUSED, address, instanceOf, entityOf, type Horizon, type EngineInstance, type SimulationResult, type EndReason, type RunObserver } from './simulation.ts';
export { sampleLatency, findRule, type LatencyModel, type LatencyRule } from './latency.ts';
export { synchronousRound } from './rounds.ts';
export type { Json, JsonObject } from './json.ts';
