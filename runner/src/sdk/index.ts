// The SDK: everything a module author needs, and nothing of the engine's, the
// store's or the CLI's internals. A module imports only from here
// (`swarmlab/sdk`); the built-in modules do too, and eslint.config.js holds
// them to it, so a third-party module can do anything a built-in one does.
//
// Testing a module without an Experiment file or a store: `swarmlab/sdk/testing`.

export { z } from 'zod';
export { defineModule } from './module.ts';
export type {
  ConfigIssue,
  InstanceView,
  Intent,
  MetricRows,
  ModuleContext,
  ModuleDefinition,
  ModuleRuntime,
  NetworkView,
  PolicyView,
  RunFilesView,
  RunInput,
  RunLog,
  ScenarioView,
  Sim,
  SimEvent,
  TextFiles,
  Verdict,
} from './module.ts';
export { defineEvent, intent, on, jsonObject, jsonValue, IntentRefused, type EventContract, type EventContracts, type EmitDeclaration, type EventTarget, type PayloadSchema } from './events.ts';
export { ModuleKind } from './kinds.ts';
export type { Json, JsonObject } from './json.ts';
export type { Rng } from '../rng/stream.ts';
export { Graph, type Edge } from './graph.ts';
export type { LatencyModel, LatencyRule } from './latency.ts';
export { address, entityOf, instanceOf } from './address.ts';
export { expectInstance, expectNetwork, isNetwork } from './references.ts';
export { synchronousRound } from './rounds.ts';
export { Panel, groupValues, intervalPlot, pointLabel, type PanelInput, type PanelRun, type PanelsHook, type SampleStatistics } from './panels.ts';
export { strictObject } from '../spec/strict-object.ts';
export { moduleFailure } from '../errors.ts';
