import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { realClock, type Clock } from './clock.ts';

// client-node's ListWatch lists once, then watches; on 410 it relists, on
// any other error it emits `error` and stops, and it never resyncs. This
// wrapper restarts it after errors (with capped backoff) and relists
// periodically by starting a fresh ListWatch and swapping caches once the
// new one has listed. Callbacks are synchronous and only enqueue keys, so no
// reconcile ever runs inside one.

export type Verb = 'add' | 'update' | 'delete';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  relistMs: number;
  onEvent: (verb: Verb, obj: T) => void;
  onError?: (err: unknown) => void;
  clock?: Clock;
  restartBaseMs?: number;
  restartMaxMs?: number;
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly o: ResilientInformerOptions<T>;
  private readonly clock: Clock;
  private current: ListWatch<T> | undefined;
  private stopped = false;
  private failures = 0;
  private relistTimer: unknown;
  private restartTimer: unknown;
  private generation = 0;
  private hasSynced = false;

  constructor(o: ResilientInformerOptions<T>) {
    this.o = o;
    this.clock = o.clock ?? realClock;
  }

  /** True once a full list has been received (by any generation of the underlying ListWatch). */
  get synced(): boolean {
    return this.hasSynced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.current?.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.current?.list(namespace) ?? [];
  }

  /** Resolves after the first successful list (retrying until then). */
  async start(): Promise<void> {
    this.stopped = false;
    while (!this.stopped && !(await this.spawn())) {
      await new Promise<void>((resolve) => {
        this.restartTimer = this.clock.setTimeout(resolve, this.backoff());
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.relistTimer);
    this.clock.clearTimeout(this.restartTimer);
    await this.current?.stop();
  }

  private backoff(): number {
    this.failures++;
    return Math.min(this.o.restartMaxMs ?? 30_000, (this.o.restartBaseMs ?? 500) * 2 ** (this.failures - 1));
  }

  private scheduleRestart(): void {
    if (this.stopped) return;
    this.clock.clearTimeout(this.restartTimer);
    this.restartTimer = this.clock.setTimeout(() => {
      void this.spawn().then((ok) => {
        if (!ok) this.scheduleRestart();
      });
    }, this.backoff());
  }

  /** Starts a new ListWatch; swaps it in after it listed. False when the list failed. */
  private async spawn(): Promise<boolean> {
    const gen = ++this.generation;
    const lw = new ListWatch<T>(this.o.path, new Watch(this.o.kubeConfig), this.o.list, false, this.o.labelSelector);
    let listFailed = false;
    let listed = false;
    // A new generation announces what it lists before it is swapped in: handlers
    // that read get() then would see the old cache (after a cut watch, one that
    // lacks objects created meanwhile) and drop the key. Held until the swap.
    let swapped = false;
    const held: [Verb, T][] = [];
    const emit = (verb: Verb, obj: T): void => {
      if (swapped) this.o.onEvent(verb, obj);
      else held.push([verb, obj]);
    };
    lw.on('add', (obj) => emit('add', obj));
    lw.on('update', (obj) => emit('update', obj));
    lw.on('delete', (obj) => emit('delete', obj));
    lw.on('error', (err) => {
      // A replaced or stopped generation reports its own abort: not an error.
      if (gen !== this.generation && listed) return;
      if (this.stopped) return;
      this.o.onError?.(err);
      if (!listed) {
        listFailed = true;
        return;
      }
      // A watch that failed after listing: restart (only the newest generation restarts).
      if (gen === this.generation) this.scheduleRestart();
    });
    try {
      await lw.start();
    } catch (err) {
      this.o.onError?.(err);
      listFailed = true;
    }
    if (listFailed || this.stopped) {
      await lw.stop();
      return false;
    }
    listed = true;
    this.failures = 0;
    const old = this.current;
    this.current = lw;
    this.hasSynced = true;
    swapped = true;
    for (const [verb, obj] of held.splice(0)) this.o.onEvent(verb, obj);
    await old?.stop();
    this.clock.clearTimeout(this.relistTimer);
    this.relistTimer = this.clock.setTimeout(() => {
      void this.spawn().then((ok) => {
        if (!ok) this.scheduleRestart();
      });
    }, this.o.relistMs);
    return true;
  }
}
