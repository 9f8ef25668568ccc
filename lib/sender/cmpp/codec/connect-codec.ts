/** CMPP_CONNECT and CMPP_CONNECT_RESP (spec 8.4.1). */
import { HEADER_LENGTH, CommandId, LAYOUT } from "./constants";
import { readOctetString, readStatus, writeOctetString, writeStatus } from "./octets";
import { invalidFrame, type InvalidFrame } from "./invalid-frame";
import type { ConnectPdu, ConnectRespPdu } from "./pdu";
import type { CmppVersion } from "../types";

const CONNECT_BODY = 6 + 16 + 1 + 4;

export function connectLength(): number {
  return HEADER_LENGTH + CONNECT_BODY;
}

export function writeConnect(buf: Buffer, at: number, pdu: ConnectPdu): void {
  writeOctetString(buf, at, 6, pdu.sourceAddr);
  copyExactly(pdu.authenticatorSource, buf, at + 6, 16);
  buf[at + 22] = pdu.version;
  buf.writeUInt32BE(pdu.timestamp >>> 0, at + 23);
}

export function readConnect(frame: Buffer, sequenceId: number): ConnectPdu | InvalidFrame {
  if (frame.length !== HEADER_LENGTH + CONNECT_BODY) {
    return invalidFrame(CommandId.CONNECT, sequenceId, 1, `CONNECT must be ${HEADER_LENGTH + CONNECT_BODY} octets, got ${frame.length}`);
  }
  const at = HEADER_LENGTH;
  return {
    command: "connect",
    sequenceId,
    sourceAddr: readOctetString(frame, at, 6),
    authenticatorSource: Buffer.from(frame.subarray(at + 6, at + 22)),
    version: frame[at + 22],
    timestamp: frame.readUInt32BE(at + 23),
  };
}

/** 1-octet Status in 2.0, 4 in 3.0 (spec section 12, item 16). */
export function connectRespLength(version: CmppVersion): number {
  return HEADER_LENGTH + LAYOUT[version].statusWidth + 16 + 1;
}

export function writeConnectResp(buf: Buffer, at: number, pdu: ConnectRespPdu, version: CmppVersion): void {
  const w = LAYOUT[version].statusWidth;
  writeStatus(buf, at, w, pdu.status);
  copyExactly(pdu.authenticatorIsmg, buf, at + w, 16);
  buf[at + w + 16] = pdu.version;
}

/**
 * Decided by length, not by the version we asked for: a 2.0-only gateway answers a 3.0 CONNECT
 * ("version too high") in its own 2.0 layout.
 */
export function readConnectResp(frame: Buffer, sequenceId: number): ConnectRespPdu | InvalidFrame {
  const version: CmppVersion | null =
    frame.length === connectRespLength("2.0") ? "2.0" : frame.length === connectRespLength("3.0") ? "3.0" : null;
  if (version === null) {
    return invalidFrame(CommandId.CONNECT_RESP, sequenceId, 4, `CONNECT_RESP must be 30 or 33 octets, got ${frame.length}`);
  }
  const w = LAYOUT[version].statusWidth;
  const at = HEADER_LENGTH;
  return {
    command: "connect_resp",
    sequenceId,
    status: readStatus(frame, at, w),
    authenticatorIsmg: Buffer.from(frame.subarray(at + w, at + w + 16)),
    version: frame[at + w + 16],
  };
}

function copyExactly(source: Buffer, target: Buffer, at: number, width: number): void {
  if (source.length !== width) throw new RangeError(`authenticator must be ${width} octets, got ${source.length}`);
  source.copy(target, at);
}
