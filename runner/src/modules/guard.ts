import vm from 'node:vm';
import { SwarmlabError } from '../errors.ts';

/** How long one module hook may run while a spec is checked. */
export const HOOK_TIME_LIMIT_MS = 2_000;

// One context and one compiled call for every hook: a timeout on vm code
// terminates whatever JavaScript runs inside it, including a function defined
// outside the context, so a module that loops forever cannot stall a plan or a reconcile.
const context = vm.createContext({ hook: undefined as (() => unknown) | undefined });
const call = new vm.Script('hook()');
let running = false;

/**
 * Runs module code (a validate hook, a config schema, dependsOn) for instance
 * `instance` at spec path `path`. A throw or a hang becomes
 * INVALID_MODULE_CONFIG naming the instance, without a stack trace. A hook
 * called from inside another (a validate reading a network's size) runs
 * under the outer one's limit.
 */
export function runModuleHook<T>(instance: string, path: string, what: string, fn: () => T, timeoutMs: number = HOOK_TIME_LIMIT_MS): T {
  if (running) return fn();
  running = true;
  context.hook = fn;
  try {
    // Without a limit (a run re-checking its own point) the call skips the vm's watchdog thread.
    return Number.isFinite(timeoutMs) ? (call.runInContext(context, { timeout: Math.max(1, Math.floor(timeoutMs)) }) as T) : fn();
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new SwarmlabError('INVALID_MODULE_CONFIG', `module instance ${instance}: ${what} did not finish within ${timeoutMs} ms`, {
        path,
        hint: 'the module\'s checks must be quick; this is a bug in the module',
      });
    }
    const message = e instanceof Error ? e.message : String(e);
    throw new SwarmlabError('INVALID_MODULE_CONFIG', `module instance ${instance}: ${what} failed: ${message}`, { path });
  } finally {
    context.hook = undefined;
    running = false;
  }
}
