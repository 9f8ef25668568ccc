/**
 * The small PDUs: TERMINATE (8.4.2), ACTIVE_TEST (8.4.7), QUERY (8.4.4) and CANCEL (8.4.6), with
 * their responses.
 */
import { CommandId, HEADER_LENGTH, LAYOUT } from "./constants";
import { readMsgId, readOctetString, readStatus, writeMsgId, writeOctetString, writeStatus } from "./octets";
import { invalidFrame, type InvalidFrame } from "./invalid-frame";
import type { ActiveTestRespPdu, CancelPdu, CancelRespPdu, QueryPdu, QueryRespPdu } from "./pdu";
import type { CmppVersion } from "../types";

/** ACTIVE_TEST_RESP carries one Reserved octet since CMPP 2.0 (section 12, 2.0 item 10). */
export const ACTIVE_TEST_RESP_LENGTH = HEADER_LENGTH + 1;

export function writeActiveTestResp(buf: Buffer, at: number, pdu: ActiveTestRespPdu): void {
  buf[at] = pdu.reserved;
}

/** Older gateways send it with an empty body; both are accepted. */
export function readActiveTestResp(frame: Buffer, sequenceId: number): ActiveTestRespPdu | InvalidFrame {
  if (frame.length > ACTIVE_TEST_RESP_LENGTH) {
    return invalidFrame(CommandId.ACTIVE_TEST_RESP, sequenceId, 4, `ACTIVE_TEST_RESP of ${frame.length} octets (expected 13)`);
  }
  return { command: "active_test_resp", sequenceId, reserved: frame.length > HEADER_LENGTH ? frame[HEADER_LENGTH] : 0 };
}

const QUERY_BODY = 8 + 1 + 10 + 8;
export const QUERY_LENGTH = HEADER_LENGTH + QUERY_BODY;

export function writeQuery(buf: Buffer, at: number, pdu: QueryPdu): void {
  writeOctetString(buf, at, 8, pdu.time);
  buf[at + 8] = pdu.queryType;
  writeOctetString(buf, at + 9, 10, pdu.queryCode);
  writeOctetString(buf, at + 19, 8, pdu.reserve);
}

export function readQuery(frame: Buffer, sequenceId: number): QueryPdu | InvalidFrame {
  if (frame.length !== QUERY_LENGTH) return invalidFrame(CommandId.QUERY, sequenceId, 4, `QUERY must be ${QUERY_LENGTH} octets, got ${frame.length}`);
  const at = HEADER_LENGTH;
  return {
    command: "query",
    sequenceId,
    time: readOctetString(frame, at, 8),
    queryType: frame[at + 8],
    queryCode: readOctetString(frame, at + 9, 10),
    reserve: readOctetString(frame, at + 19, 8),
  };
}

const QUERY_RESP_COUNTERS = ["mtTlMsg", "mtTlUsr", "mtScs", "mtWt", "mtFl", "moScs", "moWt", "moFl"] as const;
export const QUERY_RESP_LENGTH = HEADER_LENGTH + 8 + 1 + 10 + 4 * QUERY_RESP_COUNTERS.length;

export function writeQueryResp(buf: Buffer, at: number, pdu: QueryRespPdu): void {
  writeOctetString(buf, at, 8, pdu.time);
  buf[at + 8] = pdu.queryType;
  writeOctetString(buf, at + 9, 10, pdu.queryCode);
  QUERY_RESP_COUNTERS.forEach((name, i) => buf.writeUInt32BE(pdu[name] >>> 0, at + 19 + 4 * i));
}

export function readQueryResp(frame: Buffer, sequenceId: number): QueryRespPdu | InvalidFrame {
  if (frame.length !== QUERY_RESP_LENGTH) {
    return invalidFrame(CommandId.QUERY_RESP, sequenceId, 4, `QUERY_RESP must be ${QUERY_RESP_LENGTH} octets, got ${frame.length}`);
  }
  const at = HEADER_LENGTH;
  const counter = (i: number) => frame.readUInt32BE(at + 19 + 4 * i);
  return {
    command: "query_resp",
    sequenceId,
    time: readOctetString(frame, at, 8),
    queryType: frame[at + 8],
    queryCode: readOctetString(frame, at + 9, 10),
    mtTlMsg: counter(0),
    mtTlUsr: counter(1),
    mtScs: counter(2),
    mtWt: counter(3),
    mtFl: counter(4),
    moScs: counter(5),
    moWt: counter(6),
    moFl: counter(7),
  };
}

export const CANCEL_LENGTH = HEADER_LENGTH + 8;

export function writeCancel(buf: Buffer, at: number, pdu: CancelPdu): void {
  writeMsgId(buf, at, pdu.msgId);
}

export function readCancel(frame: Buffer, sequenceId: number): CancelPdu | InvalidFrame {
  if (frame.length !== CANCEL_LENGTH) return invalidFrame(CommandId.CANCEL, sequenceId, 4, `CANCEL must be ${CANCEL_LENGTH} octets, got ${frame.length}`);
  return { command: "cancel", sequenceId, msgId: readMsgId(frame, HEADER_LENGTH) };
}

/** Success_Id: 1 octet in 2.0, 4 in 3.0. */
export function cancelRespLength(version: CmppVersion): number {
  return HEADER_LENGTH + LAYOUT[version].statusWidth;
}

export function writeCancelResp(buf: Buffer, at: number, pdu: CancelRespPdu, version: CmppVersion): void {
  writeStatus(buf, at, LAYOUT[version].statusWidth, pdu.successId);
}

export function readCancelResp(frame: Buffer, sequenceId: number): CancelRespPdu | InvalidFrame {
  const width = frame.length === cancelRespLength("2.0") ? 1 : frame.length === cancelRespLength("3.0") ? 4 : 0;
  if (width === 0) return invalidFrame(CommandId.CANCEL_RESP, sequenceId, 4, `CANCEL_RESP must be 13 or 16 octets, got ${frame.length}`);
  return { command: "cancel_resp", sequenceId, successId: readStatus(frame, HEADER_LENGTH, width) };
}
