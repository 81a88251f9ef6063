import { defineModule, expectInstance, intent, on, z } from 'swarmlab/sdk';
import type { Signals } from './common.ts';
import { Alert, Telemetry } from './events.ts';

export const cicdMonitorConfig = z
  .object({
    agent: z.string().min(1).default('agent').describe('Recovery agent instance that receives alerts.'),
    cpuHigh: z.number().min(0).max(1).default(0.85).describe('CPU at or above this on any sensor: cpu_high.'),
    cpuLow: z.number().min(0).max(1).default(0.05).describe('CPU below this on any sensor of a running app: cpu_low.'),
    memoryHigh: z.number().min(0).max(1).default(0.9).describe('Memory at or above this on any sensor: memory_high.'),
    memoryLow: z.number().min(0).max(1).default(0.05).describe('Memory below this on a running app: memory_low.'),
    errorHigh: z.number().min(0).max(1).default(0.05).describe('Error rate above this: error_rate_high.'),
    deploySlow: z.number().positive().default(300).describe('A deployment running longer than this (seconds): deploy_slow.'),
    realert: z.number().min(0).default(60).describe('Least time between two alerts for the same app.'),
  })
  .strict();

/**
 * Threshold rules over two sensors per metric. An app with any anomaly gets an
 * alert with its signals and a signature: the first anomaly every sensor
 * confirms, in the order down, errors, cpu, memory, slow, or `spike` when only
 * some sensors see one (a benign blip, as a false alarm is). Contradictory
 * signals are passed on, not resolved here: the signal-conflict gate deals with them.
 */
export const cicdMonitor = defineModule({
  kind: 'agent',
  name: 'cicd-monitor',
  publishes: { metrics: { alerts: 'Alerts sent.', conflictingAlerts: 'Alerts whose signals contradict each other.' } },
  version: '2.0.0',
  description: 'Detects anomalies in environment telemetry by thresholds and alerts the recovery agent.',
  config: cicdMonitorConfig,
  events: { handles: [Telemetry], emits: [{ event: Alert, to: 'agent' }] },
  validate: (config, scenario) => expectInstance(scenario, config.agent, ['agent'], ['cicd-recovery-agent']),
  create(config) {
    const lastAlert = new Map<string, number>();
    let alerts = 0;
    let conflicts = 0;
    return {
      handle: on(Telemetry, ({ apps }, _e, sim) => {
        for (const r of apps) {
          const up = r.up === 1;
          const s: Signals = {
            down: !up,
            cpu_high: r.cpu.some((v) => v >= config.cpuHigh),
            cpu_low: up && r.cpu.some((v) => v < config.cpuLow),
            memory_high: r.memory.some((v) => v >= config.memoryHigh),
            memory_low: up && r.memory.some((v) => v < config.memoryLow),
            error_rate_high: r.errorRate.some((v) => v > config.errorHigh),
            error_rate_zero: r.errorRate.some((v) => v === 0),
            deploy_slow: r.deploySeconds > config.deploySlow,
          };
          const anomaly = s.down || s.error_rate_high || s.cpu_high || s.memory_high || s.deploy_slow;
          if (!anomaly) continue;
          const errorsConfirmed = r.errorRate.every((v) => v > config.errorHigh);
          const cpuConfirmed = r.cpu.every((v) => v >= config.cpuHigh);
          const memoryConfirmed = r.memory.every((v) => v >= config.memoryHigh);
          const signature = s.down ? 'crash' : errorsConfirmed ? 'errors' : cpuConfirmed ? 'cpu' : memoryConfirmed ? 'memory' : s.deploy_slow ? 'slow' : 'spike';
          const key = `${r.env}/${r.app}`;
          const last = lastAlert.get(key);
          if (last !== undefined && sim.now - last < config.realert) continue;
          lastAlert.set(key, sim.now);
          alerts++;
          if ((s.cpu_high && s.cpu_low) || (s.memory_high && s.memory_low) || (s.error_rate_high && s.error_rate_zero)) conflicts++;
          sim.emit(
            intent(Alert, config.agent, {
              env: r.env,
              app: r.app,
              signature,
              signals: s,
              context: { app: r.app, hasPreviousVersion: r.hasPreviousVersion, version: r.version, replicas: r.replicas },
            }),
          );
        }
      }),
      metrics: () => ({ alerts, conflictingAlerts: conflicts }),
    };
  },
});
