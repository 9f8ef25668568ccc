/** The pool's public request, result, event and option shapes. */
import type { OutcomeCategory, ReceiptCodeMapping } from "@/lib/sender/outcome";
import type { CmppLogger } from "../types";

export interface CmppSubmitRequest {
  /** One number, or several (sent as multi-destination SUBMITs of at most 99 numbers each). */
  dest: string | string[];
  text: string;
  /** The caller's id for this message; comes back on its receipts. */
  ref?: string;
  /** Appended to the channel's access number in Src_Id (an SP extension), digits only. */
  srcIdSuffix?: string;
  /** 3.0 LinkID for on-demand services; empty otherwise. */
  linkId?: string;
}

export interface CmppSubmitResult {
  /** Every Msg_Id: for each destination in request order, its segments in order. */
  msgIds: string[];
  /** Segments per destination (1 for a short message). */
  segments: number;
  destinations: Array<{ dest: string; msgIds: string[] }>;
}

/** A status report, classified and (when the pool still remembers the submit) matched. */
export interface CmppReceipt {
  msgId: string;
  stat: string;
  /** false for intermediate states (ACCEPTD): another report will follow. */
  final: boolean;
  category: OutcomeCategory;
  description: string;
  /** The number the report is about (Dest_terminal_Id, or the submitted one when the report omits it). */
  dest: string;
  /** YYMMDDHHMM in carrier local time, as reported ("" when absent). */
  submitTime: string;
  doneTime: string;
  smscSequence: number;
  /** True when the pool matched the Msg_Id to a submit it made (then ref / segment are set). */
  matched: boolean;
  ref?: string;
  /** 1-based segment of a long message, and the segment count. */
  segment?: number;
  segments?: number;
  receivedAt: Date;
}

/** A mobile-originated message (a reply), reassembled when it came in parts. */
export interface CmppReply {
  /** The handset's number (Src_terminal_Id). */
  from: string;
  /** Our number it was sent to (Dest_Id: access number plus any extension). */
  to: string;
  serviceId: string;
  text: string;
  msgFmt: number;
  msgIds: string[];
  segments: number;
  /** false when parts were still missing after the reassembly timeout. */
  complete: boolean;
  linkId: string;
  receivedAt: Date;
}

export type CmppSessionEvent =
  | { type: "ready"; connection: number }
  | { type: "login_failed"; connection: number; reason: string; status: number | null }
  | { type: "disconnected"; connection: number; reason: string; requeued: number };

export interface CmppPoolOptions {
  onReceipt?: (receipt: CmppReceipt) => void;
  onReply?: (reply: CmppReply) => void;
  onSessionEvent?: (event: CmppSessionEvent) => void;
  logger?: CmppLogger;
  /** Unanswered SUBMITs per connection (spec W, default 16). */
  window?: number;
  /** Spec T: resend an unanswered request after this long (default 60 s). */
  requestTimeoutMs?: number;
  /** Spec N: transmissions per request on one connection (default 3). */
  maxTries?: number;
  /** Spec C: ACTIVE_TEST after this long idle (default 3 min). */
  activeTestIntervalMs?: number;
  /** TCP connect plus CONNECT_RESP (default 30 s). */
  loginTimeoutMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** With no connection logged in, queued messages fail after this long (default 2 min). */
  queueTimeoutMs?: number;
  /** close() waits this long for queued and in-flight work before giving up on it (default 30 s). */
  closeTimeoutMs?: number;
  flowControl?: { initialBackoffMs?: number; maxBackoffMs?: number; maxRetries?: number };
  /** Transmissions of one segment across dropped connections before it fails (default 5). */
  maxAttempts?: number;
  /** Receipt-code dictionary for classification (default DEFAULT_CMPP_STAT_CODES). */
  statCodes?: Iterable<ReceiptCodeMapping>;
  /** How long a report for an unknown Msg_Id waits for its SUBMIT_RESP (default 10 s). */
  receiptHoldMs?: number;
  /** Msg_Ids remembered for matching, and Msg_Id+Stat pairs for deduplication (default 200,000 each). */
  trackedMessages?: number;
  /** Give up reassembling a reply after this long and hand on what arrived (default 5 min). */
  replyReassemblyMs?: number;
  /** Called with each SUBMIT → SUBMIT_RESP round trip in ms (benchmarks, metrics). */
  observeLatency?: (ms: number) => void;
  submitDefaults?: { msgLevel?: number; feeUserType?: number; feeType?: string; feeCode?: string; validTime?: string };
  verifyIsmgAuthenticator?: boolean;
  timestampUtcOffsetMinutes?: number;
  /** First Sequence_Id of each session (tests exercise the 2^32 wrap). */
  firstSequenceId?: number;
}

export interface CmppPoolStatus {
  connections: Array<{ index: number; state: string; inFlight: number; rate: number; lastError: string | null }>;
  ready: number;
  queued: number;
  counters: CmppPoolCounters;
}

export interface CmppPoolCounters {
  segmentsSent: number;
  segmentsAccepted: number;
  flowControlled: number;
  requeuedAfterDisconnect: number;
  timeouts: number;
  receipts: number;
  duplicateReceipts: number;
  unmatchedReceipts: number;
  replies: number;
  logins: number;
  loginFailures: number;
}
