// The operator process: config from env (flags override), informers, work
// queue, leader election, HTTP. SIGTERM/SIGINT stop it gracefully.
import { hostname } from 'node:os';
import { Command } from 'commander';
import { z } from 'zod';
import { isSwarmlabError, loadRegistry, type ModuleRegistry } from 'swarmlab';
import { configFromEnv, ENV_VARS, type OperatorConfig } from './config.ts';
import { Controller, httpSourceOf } from './controller/controller.ts';
import { CountedKubeConfig } from './http/api-requests.ts';
import { OperatorMetrics } from './http/metrics.ts';
import { buildServer } from './http/server.ts';

function flags(argv: readonly string[]): Record<string, unknown> {
  const program = new Command('swarmlab-operator').description('The swarmlab operator: Experiments to Indexed Jobs, validated collection, status and metrics.');
  for (const [key, env] of Object.entries(ENV_VARS)) {
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    program.option(`--${flag} <value>`, `overrides $${env}`);
  }
  program.option('--all-namespaces', 'watch every namespace (the default unless SWARMLAB_WATCH_NAMESPACE is set)');
  program.parse(argv, { from: 'node' });
  const opts = program.opts<Record<string, unknown>>();
  if (typeof opts['runnerEnv'] === 'string') opts['runnerEnv'] = JSON.parse(opts['runnerEnv']);
  if (opts['allNamespaces'] === true) opts['namespace'] = undefined;
  delete opts['allNamespaces'];
  return opts;
}

export async function main(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: OperatorConfig;
  try {
    config = configFromEnv(env, flags(argv));
  } catch (e) {
    const msg = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : e instanceof Error ? e.message : String(e);
    process.stderr.write(`swarmlab-operator: invalid configuration: ${msg}\n`);
    process.exitCode = 2;
    return;
  }
  const identity = config.identity ?? `${hostname()}-${process.pid}`;
  config = { ...config, identity };
  // The modules of this image: admission checks specs against exactly what its runner pods can run.
  let registry: ModuleRegistry;
  try {
    registry = await loadRegistry({ env });
  } catch (e) {
    process.stderr.write(`swarmlab-operator: cannot load the runner's modules: ${isSwarmlabError(e) ? e.describe() : String(e)}\n`);
    process.exitCode = 2;
    return;
  }
  const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);

  let controller: Controller | undefined;
  const metrics = new OperatorMetrics(() => controller?.counts() ?? { byPhase: { Pending: 0, Queued: 0, Running: 0, Suspended: 0, Complete: 0, Failed: 0, Invalid: 0, Unknown: 0 }, runs: { pending: 0, running: 0, succeeded: 0, failed: 0 } });
  const kc = new CountedKubeConfig(metrics);
  kc.loadFromDefault();
  controller = new Controller({
    kubeConfig: kc,
    config,
    metrics,
    log,
    registry,
    onLostLeadership: () => {
      process.exitCode = 1;
      void shutdown('lost leadership');
    },
  });
  const c = controller;
  const app = buildServer(httpSourceOf(c), metrics);
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    log(`shutting down (${why})`);
    await c.stop();
    await app.close();
    log('stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ host: config.httpHost, port: config.httpPort });
  log(`swarmlab operator ${identity}: http on ${address}; watching ${config.namespace ?? 'all namespaces'}; ${config.workers} workers; leader election ${config.leaderElection ? `on (lease ${config.leaseNamespace}/${config.leaseName})` : 'off'}`);
  await c.start();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`swarmlab-operator: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
