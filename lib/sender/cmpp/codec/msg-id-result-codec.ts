/**
 * The two responses shaped Msg_Id (8) + Result: CMPP_SUBMIT_RESP (8.4.3.2) and CMPP_DELIVER_RESP
 * (8.4.5.2). Result is 1 octet in 2.0 and 4 in 3.0.
 */
import { CommandId, HEADER_LENGTH, LAYOUT } from "./constants";
import { readMsgId, readStatus, writeMsgId, writeStatus } from "./octets";
import { invalidFrame, type InvalidFrame } from "./invalid-frame";
import type { DeliverRespPdu, SubmitRespPdu } from "./pdu";
import type { CmppVersion } from "../types";

/** Msg_Id 8 + Result (1 octet in 2.0, 4 in 3.0). DELIVER_RESP has the same shape. */
export function msgIdResultLength(version: CmppVersion): number {
  return HEADER_LENGTH + 8 + LAYOUT[version].statusWidth;
}

export function writeMsgIdResult(buf: Buffer, at: number, msgId: string, result: number, version: CmppVersion): void {
  writeMsgId(buf, at, msgId);
  writeStatus(buf, at + 8, LAYOUT[version].statusWidth, result);
}

/**
 * SUBMIT_RESP and DELIVER_RESP are read by length (21 or 24 octets), so a gateway that mixes
 * versions in its answers is still understood.
 */
export function readSubmitResp(frame: Buffer, sequenceId: number): SubmitRespPdu | InvalidFrame {
  const width = resultWidthByLength(frame.length);
  if (width === 0) return invalidFrame(CommandId.SUBMIT_RESP, sequenceId, 4, `SUBMIT_RESP must be 21 or 24 octets, got ${frame.length}`);
  return { command: "submit_resp", sequenceId, msgId: readMsgId(frame, HEADER_LENGTH), result: readStatus(frame, HEADER_LENGTH + 8, width) };
}

export function readDeliverResp(frame: Buffer, sequenceId: number): DeliverRespPdu | InvalidFrame {
  const width = resultWidthByLength(frame.length);
  if (width === 0) return invalidFrame(CommandId.DELIVER_RESP, sequenceId, 4, `DELIVER_RESP must be 21 or 24 octets, got ${frame.length}`);
  return { command: "deliver_resp", sequenceId, msgId: readMsgId(frame, HEADER_LENGTH), result: readStatus(frame, HEADER_LENGTH + 8, width) };
}

function resultWidthByLength(length: number): 0 | 1 | 4 {
  if (length === msgIdResultLength("2.0")) return 1;
  if (length === msgIdResultLength("3.0")) return 4;
  return 0;
}
