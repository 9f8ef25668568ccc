/**
 * A Map / Set that forgets its oldest entries past a capacity. Receipts trickle in for up to 48
 * hours (spec 8.4.5.1 note 3), so anything keyed by message id must be bounded or a long-running
 * worker grows without limit; forgetting the oldest is the right loss (they are the least likely
 * to be asked about again).
 *
 * Kept as two generations of capacity/2 each: new entries go to the young one; when it is full
 * the old one is dropped whole and the young one becomes old. That costs no work per insert
 * (evicting one entry per insert from a full Map did), and no Map ever grows past capacity/2, so
 * the rehash when a Map doubles stays small — at 30,000 submits a second a single rehash of a
 * 200,000-entry Map stalls the event loop for milliseconds.
 */
export class BoundedMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    return value !== undefined ? value : this.old.get(key);
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  set(key: K, value: V): void {
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  delete(key: K): boolean {
    const inYoung = this.young.delete(key);
    return this.old.delete(key) || inYoung;
  }
}

export class BoundedSet<K> {
  private readonly map: BoundedMap<K, true>;

  constructor(capacity: number) {
    this.map = new BoundedMap(capacity);
  }

  /** Adds `key`; false when it was already there (a duplicate). */
  add(key: K): boolean {
    if (this.map.has(key)) return false;
    this.map.set(key, true);
    return true;
  }

  get size(): number {
    return this.map.size;
  }
}
