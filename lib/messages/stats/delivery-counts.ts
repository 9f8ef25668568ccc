/**
 * The dashboard's two definitions, in one place:
 *   sent = every message past the queue: not queued and not cancelled (a message that failed
 *          before it was submitted, e.g. without a number for the channel, counts as sent and failed);
 *   deliveryRate = delivered / (delivered + failed + expired + unknown), null while none is decided.
 */
import type { DeliveryCounts, OverviewTotals } from "./stats-types";

export type StateCounts = Omit<OverviewTotals, "sent" | "deliveryRate">;

export function emptyStateCounts(): StateCounts {
  return { queued: 0, submitting: 0, submitted: 0, delivered: 0, failed: 0, expired: 0, unknown: 0, cancelled: 0 };
}

const STATES = new Set(Object.keys(emptyStateCounts()));

/** Adds n messages in a state (states the dashboard does not know are ignored). */
export function addState(counts: StateCounts, status: string, n: number): void {
  if (STATES.has(status)) counts[status as keyof StateCounts] += n;
}

export function decidedOf(c: Pick<StateCounts, "delivered" | "failed" | "expired" | "unknown">): number {
  return c.delivered + c.failed + c.expired + c.unknown;
}

export function deliveryRateOf(c: Pick<StateCounts, "delivered" | "failed" | "expired" | "unknown">): number | null {
  const decided = decidedOf(c);
  return decided === 0 ? null : c.delivered / decided;
}

export function deliveryCountsOf(c: StateCounts): DeliveryCounts {
  return {
    sent: c.submitting + c.submitted + c.delivered + c.failed + c.expired + c.unknown,
    delivered: c.delivered,
    failed: c.failed,
    expired: c.expired,
    unknown: c.unknown,
    deliveryRate: deliveryRateOf(c),
  };
}

export function totalsOf(c: StateCounts): OverviewTotals {
  return { ...deliveryCountsOf(c), queued: c.queued, submitting: c.submitting, submitted: c.submitted, cancelled: c.cancelled };
}
