/** CMPP_DELIVER (spec 8.4.5.1): status reports and mobile-originated messages from the gateway. */
import { CommandId, HEADER_LENGTH, LAYOUT, deliverFrameLength } from "./constants";
import { readMsgId, readOctetString, writeMsgId, writeOctetString } from "./octets";
import { invalidFrame, type InvalidFrame } from "./invalid-frame";
import type { DeliverPdu } from "./pdu";
import type { CmppVersion } from "../types";

export function deliverLength(pdu: DeliverPdu, version: CmppVersion): number {
  return deliverFrameLength(version, pdu.msgContent.length);
}

export function writeDeliver(buf: Buffer, at: number, pdu: DeliverPdu, version: CmppVersion): void {
  const l = LAYOUT[version];
  if (pdu.msgContent.length > 255) throw new RangeError("Msg_Length is one octet: content over 255 octets");
  let p = at;
  writeMsgId(buf, p, pdu.msgId);
  p += 8;
  writeOctetString(buf, p, 21, pdu.destId);
  p += 21;
  writeOctetString(buf, p, 10, pdu.serviceId);
  p += 10;
  buf[p++] = pdu.tpPid;
  buf[p++] = pdu.tpUdhi;
  buf[p++] = pdu.msgFmt;
  writeOctetString(buf, p, l.terminalIdWidth, pdu.srcTerminalId);
  p += l.terminalIdWidth;
  if (l.hasTerminalType) buf[p++] = pdu.srcTerminalType;
  buf[p++] = pdu.registeredDelivery;
  buf[p++] = pdu.msgContent.length;
  pdu.msgContent.copy(buf, p);
  p += pdu.msgContent.length;
  writeOctetString(buf, p, l.trailerWidth, pdu.linkId);
}

/**
 * Read in the negotiated version's layout; when the length only fits the other version's layout,
 * read it that way (gateways that answer a 3.0 login but deliver 2.0 frames exist).
 */
export function readDeliver(frame: Buffer, sequenceId: number, version: CmppVersion): DeliverPdu | InvalidFrame {
  const other: CmppVersion = version === "3.0" ? "2.0" : "3.0";
  const pdu = readDeliverAs(frame, sequenceId, version);
  if (pdu !== null) return pdu;
  const fallback = readDeliverAs(frame, sequenceId, other);
  if (fallback !== null) return fallback;
  const msgId = frame.length >= HEADER_LENGTH + 8 ? readMsgId(frame, HEADER_LENGTH) : undefined;
  return invalidFrame(CommandId.DELIVER, sequenceId, 4, `DELIVER of ${frame.length} octets does not match its Msg_Length in either version`, msgId);
}

function readDeliverAs(frame: Buffer, sequenceId: number, version: CmppVersion): DeliverPdu | null {
  const l = LAYOUT[version];
  const msgLengthAt = HEADER_LENGTH + 8 + 21 + 10 + 3 + l.terminalIdWidth + (l.hasTerminalType ? 1 : 0) + 1;
  if (msgLengthAt >= frame.length) return null;
  const msgLength = frame[msgLengthAt];
  if (frame.length !== deliverFrameLength(version, msgLength)) return null;
  let p = HEADER_LENGTH;
  const msgId = readMsgId(frame, p);
  p += 8;
  const destId = readOctetString(frame, p, 21);
  p += 21;
  const serviceId = readOctetString(frame, p, 10);
  p += 10;
  const tpPid = frame[p++];
  const tpUdhi = frame[p++];
  const msgFmt = frame[p++];
  const srcTerminalId = readOctetString(frame, p, l.terminalIdWidth);
  p += l.terminalIdWidth;
  const srcTerminalType = l.hasTerminalType ? frame[p++] : 0;
  const registeredDelivery = frame[p++];
  p++; // Msg_Length
  const msgContent = Buffer.from(frame.subarray(p, p + msgLength));
  p += msgLength;
  const linkId = readOctetString(frame, p, l.trailerWidth);
  return {
    command: "deliver",
    sequenceId,
    msgId,
    destId,
    serviceId,
    tpPid,
    tpUdhi,
    msgFmt,
    srcTerminalId,
    srcTerminalType,
    registeredDelivery,
    msgContent,
    linkId,
  };
}
