/**
 * Group commit: callers submit one item each and await its own result, while the items are
 * written together, one flush per batch. A batch closes when it holds `maxBatch` items or
 * `maxWaitMs` after its first item, whichever comes first, so a lone item waits at most that.
 */
export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
  /** Flushes what is waiting now (tests, shutdown). */
  drain(): Promise<void>;
}

export function createBatcher<T, R>(options: {
  maxBatch: number;
  maxWaitMs: number;
  /** Must answer one result per item, in order. A throw rejects every item of the batch. */
  flush: (items: T[]) => Promise<R[]>;
}): Batcher<T, R> {
  let waiting: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();

  const flushNow = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    const running = options
      .flush(batch.map((w) => w.item))
      .then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`batch flush answered ${results.length} results for ${batch.length} items`);
          batch.forEach((w, i) => w.resolve(results[i]!));
        },
      )
      .catch((error: unknown) => batch.forEach((w) => w.reject(error)))
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length >= options.maxBatch) flushNow();
        else if (!timer) timer = setTimeout(flushNow, options.maxWaitMs);
      });
    },
    async drain() {
      flushNow();
      await Promise.all([...inFlight]);
    },
  };
}
