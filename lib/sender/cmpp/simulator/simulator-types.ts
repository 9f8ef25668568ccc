/** Options of the gateway simulator. */
import type { CmppLogger, CmppVersion } from "../types";

export interface SimulatorAccount {
  account: string;
  password: string;
  /** When set, every SUBMIT's Src_Id must start with it (Result 10), and replies come to it. */
  accessNumber?: string;
  /** When set, Service_Id must equal it (Result 7). */
  serviceId?: string;
  /** Logged-in connections allowed at once (further logins get Status 5). Default 8. */
  maxConnections?: number;
}

/** Switches that make the simulator misbehave the ways real gateways do. Changeable at run time. */
export interface CmppSimulatorFaults {
  /** Refuse every login: true answers Status 3 (auth failed), a number answers that Status. */
  refuseAuth?: boolean | number;
  /**
   * Refuse only the next N logins (with refuseAuth's Status, default 3), then accept again: a
   * password fixed at the gateway, an account unlocked. Counts down as logins come.
   */
  refuseAuthTimes?: number;
  /** Answer Result 8 to SUBMITs beyond this many messages per second per account (a multi-number SUBMIT counts each number). */
  flowControlAboveTps?: number;
  /** Answer Result 8 to the next N SUBMITs, whatever the rate, then normally. Counts down. */
  flowControlSubmits?: number;
  /** Drop a connection (no answer, no TERMINATE) when it delivers its Nth frame. */
  dropAfterFrames?: number;
  /**
   * Drop a connection right after accepting its Nth SUBMIT, without answering it (nor any still
   * delayed by responseDelayMs): the gateway has the message, the client never hears so. Its
   * status report still comes, on another connection or after the next login.
   */
  dropAfterSubmits?: number;
  /** How many connections to drop by dropAfterFrames / dropAfterSubmits (default: every one). */
  dropTimes?: number;
  /** Delay every SUBMIT_RESP by this much. */
  responseDelayMs?: number;
  /** Send every status report twice. */
  duplicateReports?: boolean;
  /** Send a status report on another logged-in connection of the account than the SUBMIT's, when there is one. */
  reportsOnOtherConnection?: boolean;
  /** Send an ACCEPTD report at once, then the final one (after reports.delayMs). */
  acceptdFirst?: boolean;
  /**
   * Delay each status report (ACCEPTD included) by a further random 0…N ms, so reports come out of
   * order: a long message's parts in any order, one message's before an earlier one's, an ACCEPTD
   * after its final report — as reports relayed through several SMSCs do.
   */
  reportJitterMs?: number;
  /**
   * Give a multi-destination SUBMIT one Msg_Id for all its numbers (in SUBMIT_RESP and in every
   * number's report), as many gateways do, instead of the spec's Msg_Id … Msg_Id+N−1.
   */
  oneMsgIdPerSubmit?: boolean;
  /** Send DELIVERs waiting for the account before the CONNECT_RESP, not after it. */
  deliverBeforeConnectResp?: boolean;
  /** Send the next N DELIVERs with a Msg_Length that disagrees with their length (undecodable). Counts down. */
  malformedDelivers?: number;
  /** Send the status report before the SUBMIT_RESP that gives the client its Msg_Id. */
  reportBeforeResponse?: boolean;
  /** Swallow the next N SUBMITs without answering (the client must resend). */
  ignoreSubmits?: number;
  /**
   * Take a SUBMIT whose Sequence_Id is still unanswered (the client's resend after its timeout) as
   * a new message, accepted and reported again, instead of answering Result 3: gateways that do not
   * check turn each resend into a second copy on the handset.
   */
  acceptResentSequenceIds?: boolean;
  /** Never answer ACTIVE_TEST. */
  ignoreActiveTests?: boolean;
  /** Never answer TERMINATE (the client must close on its own). */
  ignoreTerminates?: boolean;
  /** Answer every SUBMIT with this Result instead of validating it. */
  rejectSubmitsWith?: number;
}

export interface SimulatorReportOptions {
  /** Send status reports at all (default true). */
  enabled?: boolean;
  /** After the SUBMIT_RESP, wait this long (default 0). */
  delayMs?: number;
  /** Stat → weight, e.g. { DELIVRD: 90, UNDELIV: 5, "MK:0001": 5 } (default all DELIVRD). */
  mix?: Record<string, number>;
  /** Decides the Stat for one message when it returns a string (tests: outcome per number). */
  statFor?: (message: { dest: string; msgId: string }) => string | undefined;
}

export interface CmppSimulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The highest version accepted; 2.0 logins are accepted by a 3.0 simulator. Default 3.0. */
  version?: CmppVersion;
  /**
   * A login in a higher version than `version`: "refuse" answers Status 4, version too high (the
   * default); "downgrade" accepts it and answers in its own version (CONNECT_RESP in the 2.0 layout
   * with Version 0x20), speaking that version from then on — both are seen in 2.0-only gateways.
   */
  versionTooHigh?: "refuse" | "downgrade";
  /**
   * Requests one connection may leave unanswered at once (spec W, default 16; 0: no limit). Only
   * SUBMITs still waiting for a delayed answer (responseDelayMs) can pile up here.
   */
  maxUnanswered?: number;
  /**
   * What a client gets for exceeding maxUnanswered: "drop" closes the connection without a word,
   * which is what gateways commonly do (the default); "flow_control" answers Result 8 instead.
   */
  windowExceeded?: "drop" | "flow_control";
  /**
   * Refuse a login (Status 3) whose CONNECT timestamp is further than this from the gateway's
   * clock (default 10 minutes; 0: not checked), as gateways do against replayed logins.
   */
  timestampToleranceMs?: number;
  /** The gateway's clock, minutes east of UTC (default 480, China Standard Time). */
  clockUtcOffsetMinutes?: number;
  accounts?: SimulatorAccount[];
  /** Shorthand for one account. */
  account?: string;
  password?: string;
  accessNumber?: string;
  maxConnections?: number;
  /** This gateway's code in generated Msg_Ids (22 bits). */
  gatewayId?: number;
  reports?: SimulatorReportOptions;
  faults?: CmppSimulatorFaults;
  /** Drop connections that send nothing for this long (real gateways do). */
  idleTimeoutMs?: number;
  /** Send our own ACTIVE_TEST after this long without traffic from the client. */
  activeTestIntervalMs?: number;
  /** Resend an unanswered DELIVER after this long, up to 3 times (default 60 s). */
  deliverTimeoutMs?: number;
  /** Keep reassembled texts per destination in stats.texts (default true; off for benchmarks). */
  recordTexts?: boolean;
  /** What a destination number must look like (default mainland mobile, optionally +86/86). */
  destPattern?: RegExp;
  logger?: CmppLogger;
}

export interface SimulatorReplyRequest {
  /** The handset number the reply comes from. */
  from: string;
  /** Our number it was sent to (default: the account's access number). */
  to?: string;
  text: string;
  /** 0/8 chosen by content by default; 15 sends GBK. */
  msgFmt?: 0 | 8 | 15;
  /** Use the 16-bit-reference header `06 08 04` for concatenated parts. */
  udh16?: boolean;
  /** Which account's connections receive it (default the first account). */
  account?: string;
}
