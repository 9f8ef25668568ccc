/**
 * The status report carried in a DELIVER's Msg_Content when Registered_Delivery=1 (spec 8.4.5.1):
 * Msg_Id 8, Stat 7, Submit_time 10, Done_time 10, Dest_terminal_Id (21 in 2.0, 32 in 3.0),
 * SMSC_sequence 4 — 60 octets in 2.0, 71 in 3.0.
 */
import { LAYOUT, statusReportLength } from "./constants";
import { readMsgId, readOctetString, writeMsgId, writeOctetString } from "./octets";
import type { CmppVersion } from "../types";

export interface StatusReport {
  /** The Msg_Id the gateway gave the SUBMIT (one of its range for a multi-destination submit). */
  msgId: string;
  /** DELIVRD, UNDELIV, MK:0001, … (trailing NULs and spaces removed). */
  stat: string;
  /** YYMMDDHHMM, carrier local time; "" when absent. */
  submitTime: string;
  doneTime: string;
  destTerminalId: string;
  smscSequence: number;
}

export function encodeStatusReport(report: StatusReport, version: CmppVersion): Buffer {
  const width = LAYOUT[version].terminalIdWidth;
  const buf = Buffer.alloc(statusReportLength(version));
  writeMsgId(buf, 0, report.msgId);
  writeOctetString(buf, 8, 7, report.stat);
  writeOctetString(buf, 15, 10, report.submitTime);
  writeOctetString(buf, 25, 10, report.doneTime);
  writeOctetString(buf, 35, width, report.destTerminalId);
  buf.writeUInt32BE(report.smscSequence >>> 0, 35 + width);
  return buf;
}

/**
 * The layout is decided by the content length, not by the session's version: 71 octets or more is
 * the 3.0 layout, 60–70 the 2.0 one. Shorter reports (some gateways trim the terminal id or drop
 * SMSC_sequence) are read as far as they go; only Msg_Id and Stat are required, so anything under
 * 15 octets is not a report (null).
 */
export function parseStatusReport(content: Buffer): StatusReport | null {
  if (content.length < 15) return null;
  const width = content.length >= statusReportLength("3.0") ? 32 : 21;
  const field = (at: number, w: number): string => (content.length > at ? readOctetString(content, at, Math.min(w, content.length - at)) : "");
  const seqAt = 35 + width;
  return {
    msgId: readMsgId(content, 0),
    stat: field(8, 7).trim(),
    submitTime: field(15, 10).trim(),
    doneTime: field(25, 10).trim(),
    destTerminalId: field(35, width).trim(),
    smscSequence: content.length >= seqAt + 4 ? content.readUInt32BE(seqAt) : 0,
  };
}
