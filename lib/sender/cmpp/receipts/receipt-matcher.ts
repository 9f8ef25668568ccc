/**
 * Ties status reports to the submits they answer, in memory, for the reports that arrive while
 * the pool still remembers the submit.
 *
 * A gateway may send a report before the SUBMIT_RESP that tells us the Msg_Id (the SMSC answered
 * the gateway faster than the gateway answered us). Such a report is held for a short while; when
 * the SUBMIT_RESP arrives it is released, matched. A report still unknown when its hold expires is
 * handed on unmatched: the dispatcher can still find it by provider message id in the database.
 */
import { BoundedMap } from "./bounded";

export interface SubmittedMessage {
  /** The caller's reference for the message (its database id, say). */
  ref: string | undefined;
  dest: string;
  /** 1-based segment number and count, for long messages (each segment gets its own report). */
  segment: number;
  segments: number;
  /** When the SUBMIT_RESP arrived (epoch ms). */
  acceptedAt: number;
  /** The Msg_Id the caller was given for this number and segment. */
  msgId: string;
}

interface Held<T> {
  item: T;
  until: number;
}

export class ReceiptMatcher<T> {
  private readonly submitted: BoundedMap<string, SubmittedMessage>;
  private readonly held = new Map<string, Held<T>[]>();

  constructor(
    capacity: number,
    private readonly holdMs: number,
    private readonly holdCapacity: number,
  ) {
    this.submitted = new BoundedMap(capacity);
  }

  /** Records an accepted Msg_Id; returns reports that were waiting for it. */
  remember(msgId: string, message: SubmittedMessage): T[] {
    this.submitted.set(msgId, message);
    const waiting = this.held.get(msgId);
    if (waiting === undefined) return [];
    this.held.delete(msgId);
    return waiting.map((h) => h.item);
  }

  lookup(msgId: string): SubmittedMessage | undefined {
    return this.submitted.get(msgId);
  }

  /**
   * Holds a report whose Msg_Id is not known yet. When the hold is full the oldest held reports
   * are returned at once (to be handed on unmatched) rather than dropped.
   */
  hold(msgId: string, item: T, now: number): T[] {
    const list = this.held.get(msgId);
    if (list) {
      list.push({ item, until: now + this.holdMs });
      return [];
    }
    const displaced: T[] = [];
    if (this.held.size >= this.holdCapacity) {
      const oldest = this.held.entries().next();
      if (!oldest.done) {
        this.held.delete(oldest.value[0]);
        for (const h of oldest.value[1]) displaced.push(h.item);
      }
    }
    this.held.set(msgId, [{ item, until: now + this.holdMs }]);
    return displaced;
  }

  /** Reports whose hold ran out, to be handed on unmatched. */
  expire(now: number): T[] {
    const out: T[] = [];
    for (const [msgId, list] of this.held.entries()) {
      if (list[0].until > now) break; // insertion order = expiry order
      this.held.delete(msgId);
      for (const h of list) out.push(h.item);
    }
    return out;
  }

  get heldCount(): number {
    return this.held.size;
  }
}
