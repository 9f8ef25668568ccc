/**
 * Puts concatenated message parts back together (replies from handsets, and texts at the
 * simulator). Parts may arrive in any order, on different connections, or twice. An incomplete
 * message is held for `maxAgeMs` and then handed back as incomplete, so a lost part costs only that
 * part, never the whole reply; at most `capacity` messages are held (the oldest is given up first),
 * so a stream of orphan parts cannot grow memory without bound.
 */
import type { ConcatInfo } from "./udh";

export interface Reassembled<M> {
  /** Bodies in part order; `undefined` where a part never arrived (incomplete only). */
  parts: Array<Buffer | undefined>;
  /** What the caller attached to each part, in arrival order. */
  metas: M[];
  complete: boolean;
}

interface Partial<M> {
  parts: Array<Buffer | undefined>;
  received: number;
  metas: M[];
  firstAt: number;
}

export class Reassembler<M> {
  private readonly held = new Map<string, Partial<M>>();

  constructor(
    private readonly maxAgeMs = 5 * 60_000,
    private readonly capacity = 10_000,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /**
   * Adds one part. `key` must identify the message apart from the header's reference (sender,
   * recipient …); the reference and total are added here. Returns the message once complete.
   * Also returns, through `evicted`, a message pushed out by the capacity limit.
   */
  add(key: string, concat: ConcatInfo, body: Buffer, meta: M, now: number, evicted?: (m: Reassembled<M>) => void): Reassembled<M> | null {
    const fullKey = `${key}|${concat.reference}|${concat.total}`;
    let partial = this.held.get(fullKey);
    if (partial === undefined) {
      if (this.held.size >= this.capacity) {
        const oldestKey = this.held.keys().next().value;
        if (oldestKey !== undefined) {
          const oldest = this.held.get(oldestKey);
          this.held.delete(oldestKey);
          if (oldest && evicted) evicted({ parts: oldest.parts, metas: oldest.metas, complete: false });
        }
      }
      partial = { parts: new Array<Buffer | undefined>(concat.total).fill(undefined), received: 0, metas: [], firstAt: now };
      this.held.set(fullKey, partial);
    }
    const index = concat.sequence - 1;
    if (partial.parts[index] !== undefined) return null; // a resent part
    partial.parts[index] = body;
    partial.received++;
    partial.metas.push(meta);
    if (partial.received < concat.total) return null;
    this.held.delete(fullKey);
    return { parts: partial.parts, metas: partial.metas, complete: true };
  }

  /** Gives up on messages older than maxAgeMs and returns them (incomplete). */
  expire(now: number): Array<Reassembled<M>> {
    const out: Array<Reassembled<M>> = [];
    for (const [key, partial] of this.held) {
      // Map order is insertion order, so the first young entry ends the scan.
      if (now - partial.firstAt < this.maxAgeMs) break;
      this.held.delete(key);
      out.push({ parts: partial.parts, metas: partial.metas, complete: false });
    }
    return out;
  }
}
