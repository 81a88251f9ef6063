export { EventQueue, type Ordered } from './event-queue.ts';
export { Simulation, REFUSED, type Horizon, type EngineInstance, type SimulationResult, type EndReason, type RunObserver } from './simulation.ts';
export { sampleLatency, findRule, type LatencyModel, type LatencyRule } from './latency.ts';
