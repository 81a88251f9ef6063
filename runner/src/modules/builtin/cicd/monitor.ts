import { defineModule, expectInstance, type JsonObject, z } from 'swarmlab/sdk';
import type { Signals } from './common.ts';

export const cicdMonitorConfig = z
  .object({
    agent: z.string().min(1).default('agent').describe('Recovery agent instance that receives alerts.'),
    cpuHigh: z.number().min(0).max(1).default(0.85).describe('CPU above this on any sensor: cpu_high.'),
    cpuLow: z.number().min(0).max(1).default(0.05).describe('CPU below this on any sensor of a running app: cpu_low.'),
    memoryHigh: z.number().min(0).max(1).default(0.9).describe('Memory above this: memory_high.'),
    memoryLow: z.number().min(0).max(1).default(0.05).describe('Memory below this on a running app: memory_low.'),
    errorHigh: z.number().min(0).max(1).default(0.05).describe('Error rate above this: error_rate_high.'),
    deploySlow: z.number().positive().default(300).describe('A deployment running longer than this (seconds): deploy_slow.'),
    realert: z.number().min(0).default(60).describe('Least time between two alerts for the same app.'),
  })
  .strict();

/**
 * Threshold rules over two sensors per metric. An app with any anomaly gets an
 * alert with its signals and a signature (the first anomaly in the order down,
 * errors, cpu, memory, slow); contradictory signals are passed on, not resolved
 * here: the signal-conflict gate deals with them.
 */
export const cicdMonitor = defineModule({
  kind: 'agent',
  name: 'cicd-monitor',
  version: '1.0.0',
  description: 'Detects anomalies in environment telemetry by thresholds and alerts the recovery agent.',
  config: cicdMonitorConfig,
  validate: (config, scenario) => expectInstance(scenario, config.agent, ['agent'], ['cicd-recovery-agent']),
  create(config) {
    const lastAlert = new Map<string, number>();
    let alerts = 0;
    let conflicts = 0;
    return {
      handle: {
        telemetry(e, sim) {
          for (const r of e.payload.apps as JsonObject[]) {
            const cpu = r.cpu as number[];
            const mem = r.memory as number[];
            const err = r.errorRate as number[];
            const up = r.up === 1;
            const s: Signals = {
              down: !up,
              cpu_high: cpu.some((v) => v > config.cpuHigh),
              cpu_low: up && cpu.some((v) => v < config.cpuLow),
              memory_high: mem.some((v) => v > config.memoryHigh),
              memory_low: up && mem.some((v) => v < config.memoryLow),
              error_rate_high: err.some((v) => v > config.errorHigh),
              error_rate_zero: err.some((v) => v === 0),
              deploy_slow: (r.deploySeconds as number) > config.deploySlow,
            };
            const signature = s.down ? 'crash' : s.error_rate_high ? 'errors' : s.cpu_high ? 'cpu' : s.memory_high ? 'memory' : s.deploy_slow ? 'slow' : undefined;
            if (!signature) continue;
            const key = `${String(r.env)}/${String(r.app)}`;
            const last = lastAlert.get(key);
            if (last !== undefined && sim.now - last < config.realert) continue;
            lastAlert.set(key, sim.now);
            alerts++;
            if ((s.cpu_high && s.cpu_low) || (s.memory_high && s.memory_low) || (s.error_rate_high && s.error_rate_zero)) conflicts++;
            sim.emit({
              type: 'alert',
              target: config.agent,
              payload: { env: r.env ?? '', app: r.app ?? '', signature, signals: s, context: { app: r.app ?? '', hasPreviousVersion: r.hasPreviousVersion === true, version: r.version ?? 0, replicas: r.replicas ?? 0 } },
            });
          }
        },
      },
      metrics: () => ({ alerts, conflictingAlerts: conflicts }),
    };
  },
});
