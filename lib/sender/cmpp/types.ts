/**
 * Shapes shared by the CMPP engine and its callers. The console's channel configuration maps onto
 * {@link CmppChannelSettings}; everything else in this folder takes its settings from it.
 */

/** The two protocol versions the engine speaks. Field widths differ (see codec/layout.ts). */
export type CmppVersion = "2.0" | "3.0";

/** One CMPP channel as the console stores it (secrets already unsealed by the caller). */
export interface CmppChannelSettings {
  /** Carrier or reseller ("china_mobile", …): picks the receipt-code dictionary upstream. */
  provider: string;
  host: string;
  port: number;
  /** SP_Id, the enterprise code: CONNECT's Source_Addr (at most 6 characters) and SUBMIT's Msg_src. */
  account: string;
  password: string;
  /** The SP's service code / long number: SUBMIT's Src_Id, shown as the sender on the handset. */
  accessNumber: string;
  /** How many TCP connections (sessions) the pool keeps open. */
  connections: number;
  version: CmppVersion;
  /** SUBMIT's Service_Id (at most 10 characters; may be empty). */
  serviceId: string;
  /** Submits per second per connection; 0 means no limit (benchmarks only). */
  tpsPerConnection: number;
}

/** Structured logging, the same shape as lib/util/logger so the caller can pass that one in. */
export interface CmppLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
