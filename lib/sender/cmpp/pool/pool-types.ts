/** The pool's public request, result, event and option shapes. */
import type { OutcomeCategory, ReceiptCodeMapping } from "@/lib/sender/outcome";
import type { CmppLogger, CmppVersion } from "../types";

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
  /**
   * Every accepted Msg_Id: for each destination in request order that was not refused, its
   * segments in order. (A refused destination's ids are in `destinations` only.)
   */
  msgIds: string[];
  /** Segments per destination (1 for a short message). */
  segments: number;
  /** One entry per requested number, in request order. */
  destinations: CmppDestinationResult[];
  /**
   * Transmissions whose outcome nobody knows, over all segments and numbers: a SUBMIT resent after
   * a timeout with no answer, or sent again after its connection dropped with it unanswered. Each
   * may have reached the handset besides the copy that was answered, so the message can arrive
   * more than once. 0 normally.
   */
  uncertainCopies: number;
}

/** What happened to one number of a submit. */
export interface CmppDestinationResult {
  dest: string;
  /**
   * Its segments' Msg_Ids, in order. For a refused number only those segments that were accepted
   * before the refusal (usually none).
   */
  msgIds: string[];
  /**
   * Set when the gateway refused this number alone (Result 13, bad Dest_terminal_Id, answered to
   * the number on its own after a multi-destination SUBMIT was split): it will not be delivered.
   */
  failed?: { result: number; description: string; category: OutcomeCategory };
}

/**
 * A SUBMIT_RESP that came after the pool stopped waiting for it: after its request timed out,
 * after the submit was settled some other way (the pool closed, a sibling segment failed), or a
 * second answer to a resend. The copy it answers exists at the gateway with this Msg_Id: reports
 * for it will come, and they are matched (the pool remembers the id from here on).
 */
export interface CmppLateSubmitResp {
  ref?: string;
  dest: string;
  /** 1-based segment, and the segment count. */
  segment: number;
  segments: number;
  /** The Msg_Id for this number ("" when result is not 0). */
  msgId: string;
  /** SUBMIT_RESP Result: 0 accepted (so that copy will be delivered), otherwise refused. */
  result: number;
}

/** A status report, classified and (when the pool still remembers the submit) matched. */
export interface CmppReceipt {
  /**
   * The Msg_Id the submit result gave this number and segment when the report is matched, else the
   * one in the report. (They differ for gateways that report every number of a multi-destination
   * SUBMIT under its first Msg_Id; then `reportedMsgId` holds the report's.)
   */
  msgId: string;
  /** Set only when the report carried another Msg_Id than `msgId` (see above). */
  reportedMsgId?: string;
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
  | { type: "ready"; connection: number; version: CmppVersion }
  /** Every login that did not succeed (also those that lead to login_refused). */
  | { type: "login_failed"; connection: number; reason: string; status: number | null }
  /**
   * CONNECT_RESP Status 2, 3 or 4 (after the 2.0 retry): the account, address, secret or version is
   * wrong, and trying every minute would get the account locked. The pool stops logging in and
   * tries once more at `retryAt` (refusedLoginBackoffMs), or at retryLoginNow(). Queued and new
   * submits fail at once with "no_connection" until a login succeeds. `reason` starts with
   * "login refused: ".
   */
  | { type: "login_refused"; connection: number; status: number; reason: string; retryAt: Date }
  /** The channel is configured for 3.0 but the gateway speaks 2.0: every connection now uses 2.0. */
  | { type: "version_downgraded"; connection: number; version: CmppVersion; reason: string }
  | { type: "disconnected"; connection: number; reason: string; requeued: number };

export interface CmppPoolOptions {
  /**
   * A status report. Return a promise to have its DELIVER acknowledged only once it settles (the
   * receipt is stored): a crash before then leaves the report with the gateway, which sends it again.
   */
  onReceipt?: (receipt: CmppReceipt) => unknown;
  onReply?: (reply: CmppReply) => void;
  onSessionEvent?: (event: CmppSessionEvent) => void;
  /** See CmppLateSubmitResp. Called once per number of the SUBMIT it answers. */
  onLateSubmitResp?: (late: CmppLateSubmitResp) => void;
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
  /**
   * close() waits this long for queued and in-flight work, then settles what is left: never sent →
   * "closed", sent and unanswered → "uncertain" (default 30 s). Every submit promise is settled by
   * then; the connections take up to terminateTimeoutMs more for late answers, then TERMINATE.
   */
  closeTimeoutMs?: number;
  /** Wait this long for TERMINATE_RESP, and after closeTimeoutMs for late SUBMIT_RESPs (default 5 s). */
  terminateTimeoutMs?: number;
  /**
   * After a refused login (CONNECT_RESP Status 2, 3, or 4 after the 2.0 retry), wait this long
   * before one connection tries again (default 10 min). retryLoginNow() tries at once.
   */
  refusedLoginBackoffMs?: number;
  /**
   * Send a SUBMIT again when its outcome is unknown (default true: at least once). When false, a
   * SUBMIT left unanswered for requestTimeoutMs, or in the window of a dropped connection, is not
   * sent again: its submit rejects with "uncertain" (at most once per pool).
   */
  resubmitUncertain?: boolean;
  flowControl?: { initialBackoffMs?: number; maxBackoffMs?: number; maxRetries?: number };
  /** Transmissions of one segment across dropped connections before it fails (default 5). */
  maxAttempts?: number;
  /** Receipt-code dictionary for classification (default DEFAULT_CMPP_STAT_CODES). */
  statCodes?: Iterable<ReceiptCodeMapping>;
  /** How long a report for an unknown Msg_Id waits for its SUBMIT_RESP (default 10 s). */
  receiptHoldMs?: number;
  /**
   * Hold a report that matches no SUBMIT this pool has an answer for (it came before its SUBMIT_RESP,
   * or is about another process's submit) until its SUBMIT_RESP or receiptHoldMs, acknowledging it
   * at once (default true). false: hand it on at once with `matched: false`, acknowledged once
   * onReceipt's promise settles; for a caller that keeps reports and matches them itself (the
   * console, in its database), so none is acknowledged before it is kept.
   */
  holdUnmatchedReports?: boolean;
  /** Msg_Ids remembered for matching, and Msg_Id+number+Stat keys for deduplication (default 200,000 each). */
  trackedMessages?: number;
  /** Give up reassembling a reply after this long and hand on what arrived (default 5 min). */
  replyReassemblyMs?: number;
  /** Called with each SUBMIT → SUBMIT_RESP round trip in ms (benchmarks, metrics). */
  observeLatency?: (ms: number) => void;
  submitDefaults?: { msgLevel?: number; feeUserType?: number; feeType?: string; feeCode?: string; validTime?: string };
  verifyIsmgAuthenticator?: boolean;
  /**
   * The clock of the CONNECT timestamp, in minutes east of UTC (default 480: China Standard Time,
   * whatever the host's zone). Gateways refuse a timestamp several minutes off their own clock.
   */
  timestampUtcOffsetMinutes?: number;
  /** First Sequence_Id of each session (tests exercise the 2^32 wrap). */
  firstSequenceId?: number;
}

/** Why logins stopped, and when the pool tries again. */
export interface CmppLoginRefusal {
  /** CONNECT_RESP Status (2, 3 or 4). */
  status: number;
  /** "login refused: " and the status in words. */
  reason: string;
  since: Date;
  /** When one connection tries again (unless retryLoginNow() comes first). */
  retryAt: Date;
}

export interface CmppConnectionStatus {
  index: number;
  /** connecting | ready | draining | terminating | closed | waiting (to reconnect) | refused | idle | stopped */
  state: string;
  /** SUBMITs in the window now, of `windowSize`. */
  inFlight: number;
  windowSize: number;
  rate: number;
  lastError: string | null;
  /** When the connection last logged in (while ready) or was lost (otherwise; at first: when the pool started). */
  since: Date;
  /** The version this connection logs in with (or speaks, once logged in). */
  version: CmppVersion;
  /** Set while logins are refused (state "refused", or "connecting" for the one trying again). */
  refused: CmppLoginRefusal | null;
}

export interface CmppPoolStatus {
  connections: CmppConnectionStatus[];
  ready: number;
  queued: number;
  /** Set while logins are refused. */
  loginRefused: CmppLoginRefusal | null;
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
  /** Transmissions whose outcome is unknown (see CmppSubmitResult.uncertainCopies). */
  uncertainCopies: number;
  /** SUBMIT_RESPs that came after the pool stopped waiting for them (see onLateSubmitResp). */
  lateSubmitResponses: number;
  /** Numbers refused alone with Result 13 after a multi-destination SUBMIT was split. */
  destinationsRefused: number;
  /** DELIVERs that did not decode (answered with DELIVER_RESP Result 1). */
  undecodableDelivers: number;
}
