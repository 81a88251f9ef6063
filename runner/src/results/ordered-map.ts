/**
 * `fn` over `items` with up to `concurrency` calls in flight, yielding the
 * results in the items' order: a remote store's reads overlap while the
 * consumer still sees runs one by one in run order. Holds at most
 * `concurrency` results.
 */
export async function* orderedMap<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  const fill = (): void => {
    while (inFlight.length < concurrency && next < items.length) {
      const p = fn(items[next++] as T);
      // Rejections are taken when the promise is awaited below; this keeps an early one from being reported as unhandled.
      p.catch(() => undefined);
      inFlight.push(p);
    }
  };
  fill();
  while (inFlight.length > 0) {
    const result = await (inFlight.shift() as Promise<R>);
    fill();
    yield result;
  }
}
