/**
 * A set of listeners shared by the whole process: kept on globalThis under `name`, because
 * Next.js may load a module once per route bundle and a signal sent from one bundle must reach a
 * listener registered from another.
 */
export interface ProcessListeners<T> {
  /** Registers a listener; answers the function that removes it. */
  on(listener: (value: T) => void): () => void;
  emit(value: T): void;
}

export function processListeners<T>(name: string): ProcessListeners<T> {
  const key = Symbol.for(name);
  const set = () => {
    const g = globalThis as typeof globalThis & { [key: symbol]: Set<(value: T) => void> | undefined };
    return (g[key] ??= new Set());
  };
  return {
    on(listener) {
      set().add(listener);
      return () => set().delete(listener);
    },
    emit(value) {
      for (const listener of set()) listener(value);
    },
  };
}
