import { realClock, type Clock } from './clock.ts';

// A keyed work queue with client-go's semantics: a key waiting is held once
// however often it is added (coalescing); a key being processed is never
// handed to a second worker (per-key serialisation) and, if added meanwhile,
// comes back once processing is done; failures come back after a capped
// exponential backoff.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export interface QueueHooks {
  onDepth?(depth: number): void;
  onRetry?(key: string): void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly hooks: QueueHooks;

  constructor(opts: { clock?: Clock; backoff?: Partial<BackoffOptions>; hooks?: QueueHooks } = {}) {
    this.clock = opts.clock ?? realClock;
    this.backoff = { baseMs: opts.backoff?.baseMs ?? 500, maxMs: opts.backoff?.maxMs ?? 5 * 60_000 };
    this.hooks = opts.hooks ?? {};
  }

  get depth(): number {
    return this.queue.length;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.hooks.onDepth?.(this.queue.length);
  }

  /** Adds the key after ms; an earlier pending delayed add wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing.at <= at) return;
    if (existing !== undefined) this.clock.clearTimeout(existing.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Backoff for this key's n-th consecutive failure: base * 2^(n-1), capped. */
  backoffFor(failures: number): number {
    return Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.max(0, failures - 1));
  }

  /** Re-adds a failed key after its backoff; returns the delay used. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.hooks.onRetry?.(key);
    const ms = this.backoffFor(n);
    this.addAfter(key, ms);
    return ms;
  }

  /** The key succeeded: its backoff starts again from the base. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process, or undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.hooks.onDepth?.(this.queue.length);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of key finished; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Stops handing out keys; workers waiting in get() receive undefined. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) this.clock.clearTimeout(d.handle);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
