import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerInit, WorkerMessage, WorkerRequest, WorkerResult } from './execute-one.ts';

const ENTRY = fileURLToPath(new URL('./worker.js', import.meta.url));
/** Runs each worker has at once: one computes while the other waits on the store. */
const IN_FLIGHT = 2;

/**
 * Worker processes for `swarmlab run`. Processes rather than threads: each
 * has its own heap, and a worker that dies (a run that exhausts memory, a
 * crash in native code) fails only the runs it had in flight, which are
 * retried like any failed run, and is replaced.
 *
 * A pool can be started before the experiment is read, so that the workers
 * load the runner while the CLI loads and checks the experiment: about half
 * a second a worker, otherwise paid before the first run.
 */
export class WorkerPool {
  readonly #idle: ChildProcess[] = [];
  readonly #live = new Set<ChildProcess>();
  #forked = 0;

  /** Forks `size` workers now; they wait for `run`. */
  static start(size: number): WorkerPool {
    const pool = new WorkerPool();
    for (let i = 0; i < size; i++) pool.#idle.push(pool.#fork());
    return pool;
  }

  /**
   * Runs requests on `size` workers (prestarted ones first), IN_FLIGHT at a
   * time per worker, until none are left and none are running. The workers
   * then wait for the next call (the next round of an adaptive sweep) until
   * `close`.
   */
  async run(size: number, init: WorkerInit, next: () => WorkerRequest | undefined, settle: (r: WorkerResult) => void): Promise<void> {
    // Prestarted workers beyond what the sweep needs are stopped now, not at its end.
    for (const extra of this.#idle.splice(size)) if (extra.connected) extra.disconnect();
    const serve = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const w = this.#take();
        const inFlight = new Set<number>();
        let done = false;
        const feed = (): void => {
          const request = next();
          if (request) {
            inFlight.add(request.index);
            w.send({ kind: 'run', request } satisfies WorkerMessage);
          } else if (inFlight.size === 0 && !done) {
            done = true;
            release();
            resolve();
          }
        };
        const onMessage = (res: WorkerResult): void => {
          inFlight.delete(res.index);
          settle(res);
          feed();
        };
        const onError = (e: Error): void => {
          if (done) return;
          done = true;
          reject(e);
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
          if (done) return;
          done = true;
          const message = `worker process exited (${signal ?? `code ${String(code)}`}) while running this run`;
          for (const index of inFlight) settle({ index, ok: false, failure: { index, code: 'RUN_FAILED', message } });
          serve().then(resolve, reject);
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        // Served every request: back to the idle workers, for the next call.
        const release = (): void => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
          if (w.connected) this.#idle.push(w);
        };
        w.send({ kind: 'init', init } satisfies WorkerMessage);
        for (let i = 0; i < IN_FLIGHT; i++) feed();
      });
    try {
      await Promise.all(Array.from({ length: size }, serve));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Worker processes started and not yet exited. */
  get running(): number {
    return this.#live.size;
  }

  /** Worker processes forked so far, replacements included. */
  get forked(): number {
    return this.#forked;
  }

  /** Ends every worker at once, runs in flight included (a second Ctrl-C). */
  kill(): void {
    this.#idle.length = 0;
    for (const w of this.#live) w.kill('SIGKILL');
  }

  /** Tells every worker to exit (they exit when their IPC channel closes). Idempotent. */
  close(): void {
    this.#idle.length = 0;
    for (const w of this.#live) if (w.connected) w.disconnect();
  }

  /** A prestarted worker that is still alive, or a new one. */
  #take(): ChildProcess {
    for (let w = this.#idle.shift(); w; w = this.#idle.shift()) if (w.connected) return w;
    return this.#fork();
  }

  #fork(): ChildProcess {
    // Node's default flags (NODE_OPTIONS reaches workers through the environment): this process's would pass on --inspect and its port.
    // The worker watches this pid and exits when it is gone (worker.js).
    const w = fork(ENTRY, [String(process.pid)], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#live.add(w);
    this.#forked++;
    // A worker that fails while idle is no longer connected, and #take passes it over.
    w.on('error', () => undefined);
    w.on('exit', () => this.#live.delete(w));
    return w;
  }
}
