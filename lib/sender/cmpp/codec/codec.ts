/**
 * Frames ↔ typed PDUs, for both versions. A frame is one whole PDU including its 12-octet header,
 * as cut by the framer. Encoding writes straight into a caller's buffer (see outbound.ts) so the
 * hot path allocates nothing per frame; encodePdu is the convenient allocating form.
 */
import { CommandId, HEADER_LENGTH } from "./constants";
import { connectLength, connectRespLength, readConnect, readConnectResp, writeConnect, writeConnectResp } from "./connect-codec";
import { readSubmit, submitLength, writeSubmit } from "./submit-codec";
import { msgIdResultLength, readDeliverResp, readSubmitResp, writeMsgIdResult } from "./msg-id-result-codec";
import { deliverLength, readDeliver, writeDeliver } from "./deliver-codec";
import {
  ACTIVE_TEST_RESP_LENGTH,
  CANCEL_LENGTH,
  QUERY_LENGTH,
  QUERY_RESP_LENGTH,
  cancelRespLength,
  readActiveTestResp,
  readCancel,
  readCancelResp,
  readQuery,
  readQueryResp,
  writeActiveTestResp,
  writeCancel,
  writeCancelResp,
  writeQuery,
  writeQueryResp,
} from "./control-codec";
import { invalidFrame, type InvalidFrame } from "./invalid-frame";
import type { CmppCommand, CmppPdu } from "./pdu";
import type { CmppVersion } from "../types";

export const COMMAND_IDS: Record<CmppCommand, number> = {
  connect: CommandId.CONNECT,
  connect_resp: CommandId.CONNECT_RESP,
  terminate: CommandId.TERMINATE,
  terminate_resp: CommandId.TERMINATE_RESP,
  submit: CommandId.SUBMIT,
  submit_resp: CommandId.SUBMIT_RESP,
  deliver: CommandId.DELIVER,
  deliver_resp: CommandId.DELIVER_RESP,
  query: CommandId.QUERY,
  query_resp: CommandId.QUERY_RESP,
  cancel: CommandId.CANCEL,
  cancel_resp: CommandId.CANCEL_RESP,
  active_test: CommandId.ACTIVE_TEST,
  active_test_resp: CommandId.ACTIVE_TEST_RESP,
};

/** Total_Length of the frame `pdu` encodes to. */
export function pduLength(pdu: CmppPdu, version: CmppVersion): number {
  switch (pdu.command) {
    case "connect":
      return connectLength();
    case "connect_resp":
      return connectRespLength(version);
    case "submit":
      return submitLength(pdu, version);
    case "submit_resp":
    case "deliver_resp":
      return msgIdResultLength(version);
    case "deliver":
      return deliverLength(pdu, version);
    case "query":
      return QUERY_LENGTH;
    case "query_resp":
      return QUERY_RESP_LENGTH;
    case "cancel":
      return CANCEL_LENGTH;
    case "cancel_resp":
      return cancelRespLength(version);
    case "active_test_resp":
      return ACTIVE_TEST_RESP_LENGTH;
    case "terminate":
    case "terminate_resp":
    case "active_test":
      return HEADER_LENGTH;
  }
}

/** Writes the whole frame at `offset`; returns its length. `buf` must have room (see pduLength). */
export function writePdu(buf: Buffer, offset: number, pdu: CmppPdu, version: CmppVersion): number {
  const length = pduLength(pdu, version);
  buf.writeUInt32BE(length, offset);
  buf.writeUInt32BE(COMMAND_IDS[pdu.command], offset + 4);
  buf.writeUInt32BE(pdu.sequenceId >>> 0, offset + 8);
  const at = offset + HEADER_LENGTH;
  switch (pdu.command) {
    case "connect":
      writeConnect(buf, at, pdu);
      break;
    case "connect_resp":
      writeConnectResp(buf, at, pdu, version);
      break;
    case "submit":
      writeSubmit(buf, at, pdu, version);
      break;
    case "submit_resp":
    case "deliver_resp":
      writeMsgIdResult(buf, at, pdu.msgId, pdu.result, version);
      break;
    case "deliver":
      writeDeliver(buf, at, pdu, version);
      break;
    case "query":
      writeQuery(buf, at, pdu);
      break;
    case "query_resp":
      writeQueryResp(buf, at, pdu);
      break;
    case "cancel":
      writeCancel(buf, at, pdu);
      break;
    case "cancel_resp":
      writeCancelResp(buf, at, pdu, version);
      break;
    case "active_test_resp":
      writeActiveTestResp(buf, at, pdu);
      break;
    case "terminate":
    case "terminate_resp":
    case "active_test":
      break;
  }
  return length;
}

export function encodePdu(pdu: CmppPdu, version: CmppVersion): Buffer {
  const buf = Buffer.allocUnsafe(pduLength(pdu, version));
  writePdu(buf, 0, pdu, version);
  return buf;
}

/**
 * One frame (as cut by the framer: its Total_Length already checked against its size) to a PDU,
 * or an InvalidFrame describing why not. Never throws on peer input.
 */
export function decodePdu(frame: Buffer, version: CmppVersion): CmppPdu | InvalidFrame {
  if (frame.length < HEADER_LENGTH) return invalidFrame(0, 0, 4, `frame of ${frame.length} octets is shorter than a header`);
  const commandId = frame.readUInt32BE(4);
  const sequenceId = frame.readUInt32BE(8);
  switch (commandId) {
    case CommandId.CONNECT:
      return readConnect(frame, sequenceId);
    case CommandId.CONNECT_RESP:
      return readConnectResp(frame, sequenceId);
    case CommandId.SUBMIT:
      return readSubmit(frame, sequenceId, version);
    case CommandId.SUBMIT_RESP:
      return readSubmitResp(frame, sequenceId);
    case CommandId.DELIVER:
      return readDeliver(frame, sequenceId, version);
    case CommandId.DELIVER_RESP:
      return readDeliverResp(frame, sequenceId);
    case CommandId.QUERY:
      return readQuery(frame, sequenceId);
    case CommandId.QUERY_RESP:
      return readQueryResp(frame, sequenceId);
    case CommandId.CANCEL:
      return readCancel(frame, sequenceId);
    case CommandId.CANCEL_RESP:
      return readCancelResp(frame, sequenceId);
    case CommandId.ACTIVE_TEST_RESP:
      return readActiveTestResp(frame, sequenceId);
    // Bodiless PDUs: a stray body is ignored rather than fatal, as gateways differ here.
    case CommandId.TERMINATE:
      return { command: "terminate", sequenceId };
    case CommandId.TERMINATE_RESP:
      return { command: "terminate_resp", sequenceId };
    case CommandId.ACTIVE_TEST:
      return { command: "active_test", sequenceId };
    default:
      return invalidFrame(commandId, sequenceId, 2, `unknown Command_Id 0x${commandId.toString(16).padStart(8, "0")}`);
  }
}
