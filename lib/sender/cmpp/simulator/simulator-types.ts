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
  /** Answer Result 8 to SUBMITs beyond this many messages per second per account (a multi-number SUBMIT counts each number). */
  flowControlAboveTps?: number;
  /** Drop a connection (no answer, no TERMINATE) when it delivers its Nth frame. */
  dropAfterFrames?: number;
  /** How many connections to drop that way (default: every one). */
  dropTimes?: number;
  /** Delay every SUBMIT_RESP by this much. */
  responseDelayMs?: number;
  /** Send every status report twice. */
  duplicateReports?: boolean;
  /** Send the status report before the SUBMIT_RESP that gives the client its Msg_Id. */
  reportBeforeResponse?: boolean;
  /** Swallow the next N SUBMITs without answering (the client must resend). */
  ignoreSubmits?: number;
  /** Never answer ACTIVE_TEST. */
  ignoreActiveTests?: boolean;
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
