import type { Db } from "@/lib/db/client";
import type { CmppLogger, CmppPoolOptions, CmppPoolStatus } from "@/lib/sender/cmpp";
import type { JsmsClientOptions } from "@/lib/sender/jsms";
import type { OutcomeRecorderOptions } from "./outcome-recorder";
import type { WorkerLease } from "./worker-lease";

/** One channel's sending inside one dispatcher (lib/messages/dispatcher/cmpp-lane.ts, jsms-lane.ts). */
export interface Lane {
  readonly channelId: string;
  /** The channel's version when the lane opened; a saved channel gets a new lane. */
  readonly version: string;
  /** There may be work: claim now. */
  wake(): void;
  /** Messages claimed and not yet settled, or outcomes not yet written. */
  readonly busy: boolean;
  readonly inFlight: number;
  readonly idleForMs: number;
  status(): CmppPoolStatus | null;
  /** Stops claiming, lets what is in flight finish (bounded), writes every outcome, frees its slots. */
  stop(): Promise<void>;
  /** The lease may be gone: close connections at once. */
  fence(): void;
}

export interface DispatcherOptions {
  /** Poll for work this often when no notification comes (default 1 s). */
  pollMs?: number;
  /** The worker lease's length (default 30 s; renewed every quarter). */
  leaseMs?: number;
  /** Look for lapsed workers, and for receipts whose submit answer was written meanwhile, this often (default 5 s). */
  reclaimEveryMs?: number;
  /** Turn overdue reports into `unknown` this often (default 5 s). */
  deadlineEveryMs?: number;
  /** Close a channel's lane after this long without work (default 30 s). */
  laneIdleMs?: number;
  /** Messages claimed ahead per CMPP connection (default 256). */
  claimAheadPerConnection?: number;
  cmppPool?: Partial<CmppPoolOptions>;
  /**
   * How long a CMPP message certainly not sent waits before it is claimed again: after flow
   * control past the pool's retries (default 5 s), with no connection or logins refused (default 30 s).
   */
  cmppRequeueAfterMs?: { flowControl?: number; noConnection?: number };
  jsms?: JsmsClientOptions;
  recorder?: Pick<OutcomeRecorderOptions, "maxBatch" | "maxWaitMs">;
}

export interface LaneContext {
  db: Db;
  owner: string;
  lease: WorkerLease;
  options: DispatcherOptions;
  recorder?: Pick<OutcomeRecorderOptions, "maxBatch" | "maxWaitMs">;
  cmppLogger?: CmppLogger;
  /** Live dispatchers now, for a fair share of connection slots. */
  liveWorkers(): number;
  /** Counts claimed messages for /api/health. */
  noteClaimed(count: number): void;
}
