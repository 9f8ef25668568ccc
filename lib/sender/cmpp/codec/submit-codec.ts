/** CMPP_SUBMIT (spec 8.4.3.1). SUBMIT_RESP is in msg-id-result-codec.ts. */
import { CommandId, HEADER_LENGTH, LAYOUT, MAX_DESTINATIONS, submitFixedLength, submitFrameLength } from "./constants";
import { readMsgId, readOctetString, writeMsgId, writeOctetString } from "./octets";
import { invalidFrame, type InvalidFrame } from "./invalid-frame";
import type { SubmitPdu } from "./pdu";
import type { CmppVersion } from "../types";

export function submitLength(pdu: SubmitPdu, version: CmppVersion): number {
  return submitFrameLength(version, pdu.destTerminalIds.length, pdu.msgContent.length);
}

export function writeSubmit(buf: Buffer, at: number, pdu: SubmitPdu, version: CmppVersion): void {
  const l = LAYOUT[version];
  const dests = pdu.destTerminalIds;
  if (dests.length < 1 || dests.length > MAX_DESTINATIONS) throw new RangeError(`DestUsr_tl must be 1–${MAX_DESTINATIONS}`);
  if (pdu.msgContent.length > 255) throw new RangeError("Msg_Length is one octet: content over 255 octets");
  let p = at;
  writeMsgId(buf, p, pdu.msgId);
  p += 8;
  buf[p++] = pdu.pkTotal;
  buf[p++] = pdu.pkNumber;
  buf[p++] = pdu.registeredDelivery;
  buf[p++] = pdu.msgLevel;
  writeOctetString(buf, p, 10, pdu.serviceId);
  p += 10;
  buf[p++] = pdu.feeUserType;
  writeOctetString(buf, p, l.terminalIdWidth, pdu.feeTerminalId);
  p += l.terminalIdWidth;
  if (l.hasTerminalType) buf[p++] = pdu.feeTerminalType;
  buf[p++] = pdu.tpPid;
  buf[p++] = pdu.tpUdhi;
  buf[p++] = pdu.msgFmt;
  writeOctetString(buf, p, 6, pdu.msgSrc);
  p += 6;
  writeOctetString(buf, p, 2, pdu.feeType);
  p += 2;
  writeOctetString(buf, p, 6, pdu.feeCode);
  p += 6;
  writeOctetString(buf, p, 17, pdu.validTime);
  p += 17;
  writeOctetString(buf, p, 17, pdu.atTime);
  p += 17;
  writeOctetString(buf, p, 21, pdu.srcId);
  p += 21;
  buf[p++] = dests.length;
  for (let i = 0; i < dests.length; i++) {
    writeOctetString(buf, p, l.terminalIdWidth, dests[i]);
    p += l.terminalIdWidth;
  }
  if (l.hasTerminalType) buf[p++] = pdu.destTerminalType;
  buf[p++] = pdu.msgContent.length;
  pdu.msgContent.copy(buf, p);
  p += pdu.msgContent.length;
  // 2.0's Reserve has no meaning: a 3.0 LinkID that does not fit (after a fall-back to 2.0) is left out.
  writeOctetString(buf, p, l.trailerWidth, pdu.linkId.length <= l.trailerWidth ? pdu.linkId : "");
}

/**
 * Strict, as a gateway must be: the frame length has to equal exactly what DestUsr_tl and
 * Msg_Length imply (Result 4 otherwise), and DestUsr_tl has to be 1–99 (Result 1).
 */
export function readSubmit(frame: Buffer, sequenceId: number, version: CmppVersion): SubmitPdu | InvalidFrame {
  const l = LAYOUT[version];
  const fixed = submitFixedLength(version);
  const minimum = submitFrameLength(version, 1, 0);
  if (frame.length < minimum) {
    return invalidFrame(CommandId.SUBMIT, sequenceId, 4, `SUBMIT of ${frame.length} octets is shorter than the ${version} minimum ${minimum}`);
  }
  const destCount = frame[HEADER_LENGTH + fixed - 1];
  if (destCount < 1 || destCount > MAX_DESTINATIONS) {
    return invalidFrame(CommandId.SUBMIT, sequenceId, 1, `DestUsr_tl ${destCount} is outside 1–${MAX_DESTINATIONS}`);
  }
  const msgLengthAt = HEADER_LENGTH + fixed + destCount * l.terminalIdWidth + (l.hasTerminalType ? 1 : 0);
  if (msgLengthAt >= frame.length) {
    return invalidFrame(CommandId.SUBMIT, sequenceId, 4, `SUBMIT of ${frame.length} octets cannot hold ${destCount} destinations`);
  }
  const msgLength = frame[msgLengthAt];
  const expected = submitFrameLength(version, destCount, msgLength);
  if (frame.length !== expected) {
    return invalidFrame(
      CommandId.SUBMIT,
      sequenceId,
      4,
      `Total_Length ${frame.length} does not match ${expected} implied by DestUsr_tl ${destCount} and Msg_Length ${msgLength}`,
    );
  }
  let p = HEADER_LENGTH;
  const msgId = readMsgId(frame, p);
  p += 8;
  const pkTotal = frame[p++];
  const pkNumber = frame[p++];
  const registeredDelivery = frame[p++];
  const msgLevel = frame[p++];
  const serviceId = readOctetString(frame, p, 10);
  p += 10;
  const feeUserType = frame[p++];
  const feeTerminalId = readOctetString(frame, p, l.terminalIdWidth);
  p += l.terminalIdWidth;
  const feeTerminalType = l.hasTerminalType ? frame[p++] : 0;
  const tpPid = frame[p++];
  const tpUdhi = frame[p++];
  const msgFmt = frame[p++];
  const msgSrc = readOctetString(frame, p, 6);
  p += 6;
  const feeType = readOctetString(frame, p, 2);
  p += 2;
  const feeCode = readOctetString(frame, p, 6);
  p += 6;
  const validTime = readOctetString(frame, p, 17);
  p += 17;
  const atTime = readOctetString(frame, p, 17);
  p += 17;
  const srcId = readOctetString(frame, p, 21);
  p += 21 + 1; // and DestUsr_tl, read above
  const destTerminalIds = new Array<string>(destCount);
  for (let i = 0; i < destCount; i++) {
    destTerminalIds[i] = readOctetString(frame, p, l.terminalIdWidth);
    p += l.terminalIdWidth;
  }
  const destTerminalType = l.hasTerminalType ? frame[p++] : 0;
  p++; // Msg_Length, read above
  // Copied: the frame may be a view into a socket read buffer that is about to be reused.
  const msgContent = Buffer.from(frame.subarray(p, p + msgLength));
  p += msgLength;
  const linkId = readOctetString(frame, p, l.trailerWidth);
  return {
    command: "submit",
    sequenceId,
    msgId,
    pkTotal,
    pkNumber,
    registeredDelivery,
    msgLevel,
    serviceId,
    feeUserType,
    feeTerminalId,
    feeTerminalType,
    tpPid,
    tpUdhi,
    msgFmt,
    msgSrc,
    feeType,
    feeCode,
    validTime,
    atTime,
    srcId,
    destTerminalIds,
    destTerminalType,
    msgContent,
    linkId,
  };
}
