import vm from 'node:vm';
import { SwarmlabError } from './errors.ts';

/** How long one module hook may run while a spec is checked. */
export const HOOK_TIME_LIMIT_MS = 2_000;
/**
 * How much CPU all module hooks of one spec check may use together: a
 * reconcile never spends more on module code. CPU, not wall time, so a busy
 * machine does not turn a large design's checks into a refusal.
 */
export const CHECK_TIME_LIMIT_MS = 20_000;

/** The time module hooks may still take during one check: each call gets the smaller of its own limit and what is left. */
export class HookBudget {
  private spentMs = 0;
  readonly perHookMs: number;
  readonly totalMs: number;

  constructor(perHookMs: number = HOOK_TIME_LIMIT_MS, totalMs: number = CHECK_TIME_LIMIT_MS) {
    this.perHookMs = perHookMs;
    this.totalMs = totalMs;
  }

  /** The limit of the next call, in ms. */
  allowance(): number {
    return Math.min(this.perHookMs, this.totalMs - this.spentMs);
  }

  spend(ms: number): void {
    this.spentMs += ms;
  }
}

// Host machinery, kept out of modules/ (where wall-clock time is banned): it
// measures how long module code runs, never what a simulation computes.
// One context and one compiled call for every hook: a timeout on vm code
// terminates whatever JavaScript runs inside it, including a function defined
// outside the context, so a module that loops forever cannot stall a plan or a reconcile.
const context = vm.createContext({ hook: undefined as (() => unknown) | undefined });
const call = new vm.Script('hook()');
let running = false;

/**
 * Runs module code (a validate hook, a config schema, nodes) for instance
 * `instance` at spec path `path`, under `limit` (ms, or a check's budget).
 * A throw or a hang becomes INVALID_MODULE_CONFIG naming the instance,
 * without a stack trace. A hook called from inside another (a validate
 * reading a network's size) runs under the outer one's limit.
 */
export function runModuleHook<T>(instance: string, path: string, what: string, fn: () => T, limit: number | HookBudget = HOOK_TIME_LIMIT_MS): T {
  if (running) return fn();
  const budget = typeof limit === 'number' ? undefined : limit;
  const timeoutMs = budget ? budget.allowance() : (limit as number);
  if (timeoutMs <= 0) throw outOfTime(instance, path, what, budget!);
  running = true;
  context.hook = fn;
  const started = process.cpuUsage();
  try {
    // Without a limit (a run re-checking its own point) the call skips the vm's watchdog thread.
    return Number.isFinite(timeoutMs) ? (call.runInContext(context, { timeout: Math.max(1, Math.floor(timeoutMs)) }) as T) : fn();
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      if (budget && timeoutMs < budget.perHookMs) throw outOfTime(instance, path, what, budget);
      throw new SwarmlabError('INVALID_MODULE_CONFIG', `module instance ${instance}: ${what} did not finish within ${Math.floor(timeoutMs)} ms`, {
        path,
        hint: 'the module\'s checks must be quick; this is a bug in the module',
      });
    }
    const message = e instanceof Error ? e.message : String(e);
    throw new SwarmlabError('INVALID_MODULE_CONFIG', `module instance ${instance}: ${what} failed: ${message}`, { path });
  } finally {
    const used = process.cpuUsage(started);
    budget?.spend((used.user + used.system) / 1000);
    context.hook = undefined;
    running = false;
  }
}

function outOfTime(instance: string, path: string, what: string, budget: HookBudget): SwarmlabError {
  return new SwarmlabError('INVALID_MODULE_CONFIG', `module checks took more than ${budget.totalMs} ms in all; stopped at ${what} of instance ${instance}`, {
    path,
    hint: 'a module\'s checks are too slow for this many distinct configurations; this is a bug in the module',
  });
}
