/**
 * Typed errors the engine rejects with. Each carries what the dispatcher needs to record the
 * outcome without parsing a message string.
 */
import type { OutcomeCategory } from "@/lib/sender/outcome";
import { describeConnectStatus, describeSubmitResult, submitResultCategory } from "./receipts/result-codes";

export type CmppLoginFailure =
  /** CONNECT_RESP with a non-zero Status. */
  | "rejected"
  /** CONNECT_RESP Status 0 whose AuthenticatorISMG does not prove the gateway knows the secret. */
  | "bad_authenticator"
  /** No CONNECT_RESP in time. */
  | "timeout"
  /** The TCP connection failed or closed before the login completed. */
  | "network";

export class CmppLoginError extends Error {
  override readonly name = "CmppLoginError";
  constructor(
    readonly failure: CmppLoginFailure,
    /** CONNECT_RESP Status when the gateway answered, else null. */
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }

  static rejected(status: number): CmppLoginError {
    return new CmppLoginError("rejected", status, `CMPP login refused (status ${status}): ${describeConnectStatus(status)}`);
  }
}

export type CmppSubmitFailure =
  /** SUBMIT_RESP with a final (non-zero, non-8) Result. */
  | "rejected"
  /** No SUBMIT_RESP after every resend (the message may or may not have been sent). */
  | "timeout"
  /** Flow control (Result 8) persisted past the retry budget. */
  | "flow_control"
  /** No session could log in before the queue timeout. */
  | "no_connection"
  /** Dropped connections kept losing it past the attempt budget. */
  | "too_many_attempts"
  /** The pool was closed before the message could be sent (nothing of it was written unanswered). */
  | "closed"
  /**
   * A SUBMIT of the message was written and never answered (its connection dropped, it timed out
   * with `resubmitUncertain: false`, or the pool closed first) and it was not sent again: the
   * gateway may or may not have it. Record the message as unknown, not as failed.
   */
  | "uncertain"
  /** The request itself is unusable (bad number, empty or over-long text). */
  | "invalid_request";

export class CmppSubmitError extends Error {
  override readonly name = "CmppSubmitError";
  constructor(
    readonly failure: CmppSubmitFailure,
    /** SUBMIT_RESP Result for "rejected" / "flow_control", else null. */
    readonly result: number | null,
    readonly category: OutcomeCategory,
    message: string,
    /** Ids of segments the gateway had already accepted (a long message can fail half-way). */
    readonly acceptedMsgIds: readonly string[] = [],
    /**
     * Transmissions of this message whose outcome nobody knows (see CmppSubmitResult.uncertainCopies).
     * Set for "timeout", "too_many_attempts" and "uncertain"; 0 otherwise.
     */
    readonly uncertainCopies: number = 0,
  ) {
    super(message);
  }

  /** True when the message may have reached the gateway: record it as unknown, not as failed. */
  get outcomeUnknown(): boolean {
    return this.failure === "timeout" || this.failure === "too_many_attempts" || this.failure === "uncertain";
  }

  static rejected(result: number, acceptedMsgIds: readonly string[], uncertainCopies = 0): CmppSubmitError {
    return new CmppSubmitError(
      "rejected",
      result,
      submitResultCategory(result),
      `SUBMIT refused with result ${result}: ${describeSubmitResult(result)}`,
      acceptedMsgIds,
      uncertainCopies,
    );
  }
}
