/**
 * A pool pointed at a test simulator, recording everything it reports, and closed after the test
 * (call closeHarnessPools in afterEach, before closeSimulators).
 */
import { performance } from "node:perf_hooks";
import { createCmppPool, type CmppPool } from "../pool/pool";
import type { CmppLateSubmitResp, CmppPoolOptions, CmppReceipt, CmppReply, CmppSessionEvent, CmppSubmitResult } from "../pool/pool-types";
import { CmppSubmitError } from "../errors";
import { silentLogger } from "../logger";
import type { CmppChannelSettings } from "../types";

export interface PoolHarness {
  pool: CmppPool;
  receipts: CmppReceipt[];
  replies: CmppReply[];
  events: CmppSessionEvent[];
  late: CmppLateSubmitResp[];
}

const open: CmppPool[] = [];

export function startPool(settings: CmppChannelSettings, options: CmppPoolOptions = {}): PoolHarness {
  const receipts: CmppReceipt[] = [];
  const replies: CmppReply[] = [];
  const events: CmppSessionEvent[] = [];
  const late: CmppLateSubmitResp[] = [];
  const pool = createCmppPool(settings, {
    logger: silentLogger,
    reconnectBaseMs: 20,
    reconnectMaxMs: 200,
    onReceipt: (r) => receipts.push(r),
    onReply: (r) => replies.push(r),
    onSessionEvent: (e) => events.push(e),
    onLateSubmitResp: (l) => late.push(l),
    ...options,
  });
  open.push(pool);
  return { pool, receipts, replies, events, late };
}

export async function closeHarnessPools(): Promise<void> {
  await Promise.all(open.splice(0).map((p) => p.close()));
}

export type Settled = { ok: CmppSubmitResult; error?: undefined; at: number } | { ok?: undefined; error: CmppSubmitError; at: number };

/** A submit's outcome without throwing, with when it settled (performance.now()). */
export function settle(promise: Promise<CmppSubmitResult>): Promise<Settled> {
  return promise.then(
    (ok) => ({ ok, at: performance.now() }),
    (error: unknown) => {
      if (!(error instanceof CmppSubmitError)) throw error;
      return { error, at: performance.now() };
    },
  );
}

export const MSG_ID = /^[0-9a-f]{16}$/;
