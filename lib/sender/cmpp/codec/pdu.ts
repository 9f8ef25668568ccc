/**
 * Typed PDUs: what the codecs produce from frames and consume to make frames. The session and the
 * simulator work only with these, never with bytes.
 *
 * Msg_Id is always a 16-digit lowercase hex string (the 64-bit value, big-endian): never a JS
 * number, which would lose the low bits. See msg-id.ts for arithmetic on it.
 * Octet-string fields are plain strings (ASCII; trailing NULs removed on decode, added on encode).
 * Fields that exist in only one version are present in both shapes; the codec ignores them when
 * writing the other version and fills a neutral value when reading it.
 */

interface PduHeader {
  sequenceId: number;
}

export interface ConnectPdu extends PduHeader {
  command: "connect";
  /** SP_Id, at most 6 characters; zero-padded on the wire. */
  sourceAddr: string;
  /** 16 octets: MD5(Source_Addr + 9 zero octets + secret + timestamp). */
  authenticatorSource: Buffer;
  /** 0x20 or 0x30 (or anything a peer sends: the gateway judges it). */
  version: number;
  /** MMDDHHMMSS as an integer. */
  timestamp: number;
}

export interface ConnectRespPdu extends PduHeader {
  command: "connect_resp";
  status: number;
  /** 16 octets; all zero when authentication failed. */
  authenticatorIsmg: Buffer;
  version: number;
}

export interface TerminatePdu extends PduHeader {
  command: "terminate";
}

export interface TerminateRespPdu extends PduHeader {
  command: "terminate_resp";
}

export interface SubmitPdu extends PduHeader {
  command: "submit";
  msgId: string;
  pkTotal: number;
  pkNumber: number;
  registeredDelivery: number;
  msgLevel: number;
  serviceId: string;
  feeUserType: number;
  feeTerminalId: string;
  /** 3.0 only: 0 real number, 1 pseudonym. */
  feeTerminalType: number;
  tpPid: number;
  tpUdhi: number;
  msgFmt: number;
  msgSrc: string;
  feeType: string;
  feeCode: string;
  validTime: string;
  atTime: string;
  srcId: string;
  destTerminalIds: string[];
  /** 3.0 only: 0 real number, 1 pseudonym. */
  destTerminalType: number;
  msgContent: Buffer;
  /** 3.0 LinkID (20 octets); in 2.0 the 8-octet Reserve. */
  linkId: string;
}

export interface SubmitRespPdu extends PduHeader {
  command: "submit_resp";
  msgId: string;
  result: number;
}

export interface DeliverPdu extends PduHeader {
  command: "deliver";
  msgId: string;
  destId: string;
  serviceId: string;
  tpPid: number;
  tpUdhi: number;
  msgFmt: number;
  srcTerminalId: string;
  /** 3.0 only. */
  srcTerminalType: number;
  /** 1: Msg_Content is a status report; 0: a mobile-originated message (a reply). */
  registeredDelivery: number;
  msgContent: Buffer;
  /** 3.0 LinkID; in 2.0 the 8-octet Reserved. */
  linkId: string;
}

export interface DeliverRespPdu extends PduHeader {
  command: "deliver_resp";
  msgId: string;
  result: number;
}

export interface QueryPdu extends PduHeader {
  command: "query";
  /** YYYYMMDD */
  time: string;
  /** 0 totals, 1 by Service_Id. */
  queryType: number;
  queryCode: string;
  reserve: string;
}

export interface QueryRespPdu extends PduHeader {
  command: "query_resp";
  time: string;
  queryType: number;
  queryCode: string;
  mtTlMsg: number;
  mtTlUsr: number;
  mtScs: number;
  mtWt: number;
  mtFl: number;
  moScs: number;
  moWt: number;
  moFl: number;
}

export interface CancelPdu extends PduHeader {
  command: "cancel";
  msgId: string;
}

export interface CancelRespPdu extends PduHeader {
  command: "cancel_resp";
  /** 0 success, 1 failure. */
  successId: number;
}

export interface ActiveTestPdu extends PduHeader {
  command: "active_test";
}

export interface ActiveTestRespPdu extends PduHeader {
  command: "active_test_resp";
  reserved: number;
}

export type CmppPdu =
  | ConnectPdu
  | ConnectRespPdu
  | TerminatePdu
  | TerminateRespPdu
  | SubmitPdu
  | SubmitRespPdu
  | DeliverPdu
  | DeliverRespPdu
  | QueryPdu
  | QueryRespPdu
  | CancelPdu
  | CancelRespPdu
  | ActiveTestPdu
  | ActiveTestRespPdu;

export type CmppCommand = CmppPdu["command"];

/** PDUs that expect an answer with the same Sequence_Id. */
export type RequestPdu = ConnectPdu | TerminatePdu | SubmitPdu | DeliverPdu | QueryPdu | CancelPdu | ActiveTestPdu;
