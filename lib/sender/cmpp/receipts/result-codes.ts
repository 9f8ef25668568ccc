/**
 * Response codes in words: CONNECT_RESP Status (8.4.1.2) and SUBMIT_RESP Result (8.4.3.2), with the
 * outcome category a final SUBMIT failure means for loss analysis.
 */
import type { OutcomeCategory } from "@/lib/sender/outcome";

const CONNECT_STATUS: Record<number, string> = {
  0: "login accepted",
  1: "bad message structure (the gateway could not parse our CONNECT)",
  2: "illegal source address: the gateway does not know this account (SP_Id), or it is not allowed from this IP address",
  3: "authentication failed: wrong password (shared secret) for this account",
  4: "version too high: the gateway does not support this CMPP version (try 2.0)",
};

/**
 * CONNECT_RESP Statuses that will not change by trying again: unknown account or address (2),
 * wrong secret (3), version too high (4, after the 2.0 retry). Gateways lock an account after a
 * handful of these, so they are retried only after a long pause (see refusedLoginBackoffMs).
 */
export const REFUSED_LOGIN_STATUSES: ReadonlySet<number> = new Set([2, 3, 4]);

/** 4: the gateway does not speak the CMPP version we asked for. */
export const STATUS_VERSION_TOO_HIGH = 4;

/** The reason for a CONNECT_RESP Status, in a sentence an operator can act on. */
export function describeConnectStatus(status: number): string {
  return (
    CONNECT_STATUS[status] ??
    `refused with status ${status} (gateway-specific; most often too many connections for this account, or this IP address is not allowed)`
  );
}

/** 8: flow control — the only Result that is retried rather than final. */
export const RESULT_FLOW_CONTROL = 8;
/** 13: bad Dest_terminal_Id — final for that number only; a multi-destination SUBMIT is split and retried per number. */
export const RESULT_BAD_DESTINATION = 13;
/** 3: duplicate Sequence_Id — a resend while the gateway still holds the original. */
export const RESULT_DUPLICATE_SEQUENCE = 3;

const SUBMIT_RESULT: Record<number, { text: string; category: OutcomeCategory }> = {
  0: { text: "accepted", category: "delivered" },
  1: { text: "bad message structure", category: "unknown" },
  2: { text: "bad command word", category: "unknown" },
  3: { text: "duplicate sequence number", category: "unknown" },
  4: { text: "bad message length", category: "content_rejected" },
  5: { text: "bad fee code", category: "carrier_block" },
  6: { text: "message too long", category: "content_rejected" },
  7: { text: "bad service code (Service_Id)", category: "carrier_block" },
  8: { text: "flow control: sending too fast", category: "rate_limited" },
  9: { text: "this gateway does not serve the charged number", category: "carrier_block" },
  10: { text: "bad Src_Id (access number)", category: "carrier_block" },
  11: { text: "bad Msg_src (account)", category: "carrier_block" },
  12: { text: "bad Fee_terminal_Id", category: "carrier_block" },
  13: { text: "bad Dest_terminal_Id (destination number)", category: "invalid_number" },
};

export function describeSubmitResult(result: number): string {
  return SUBMIT_RESULT[result]?.text ?? `gateway error ${result}`;
}

/** The loss category of a final SUBMIT_RESP failure. */
export function submitResultCategory(result: number): OutcomeCategory {
  return SUBMIT_RESULT[result]?.category ?? "unknown";
}
