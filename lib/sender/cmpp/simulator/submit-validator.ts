/**
 * The checks a real gateway makes on a SUBMIT before accepting it, each answered with the Result
 * the spec assigns (8.4.3.2). Lengths and DestUsr_tl are already checked by the codec (Result 4/1).
 */
import { MsgFmt } from "../codec/constants";
import type { SubmitPdu } from "../codec/pdu";
import { parseUserData } from "../message/udh";
import type { CmppVersion } from "../types";

export interface SubmitRules {
  account: string;
  /** When set, Src_Id must start with it (Result 10). */
  accessNumber?: string;
  /** When set, Service_Id must equal it (Result 7). */
  serviceId?: string;
  /** What a destination number must look like (Result 13). Default: a mainland mobile number, optionally +86/86-prefixed. */
  destPattern: RegExp;
  version: CmppVersion;
}

export const DEFAULT_DEST_PATTERN = /^(\+?86)?1\d{10}$/;

const KNOWN_FORMATS: ReadonlySet<number> = new Set([MsgFmt.ASCII, MsgFmt.WRITE_CARD, MsgFmt.BINARY, MsgFmt.UCS2, MsgFmt.GBK]);
const FEE_TYPES: Record<CmppVersion, ReadonlySet<string>> = {
  "2.0": new Set(["01", "02", "03", "04", "05"]),
  // 3.0 dropped 04 (capped) and 05 (charge the SP) (section 12, item 27).
  "3.0": new Set(["01", "02", "03"]),
};

/** 0 when the SUBMIT is acceptable, otherwise the SUBMIT_RESP Result to answer. */
export function validateSubmit(pdu: SubmitPdu, rules: SubmitRules): number {
  // 2 ("make an SMC bill") existed in 2.0 and was removed in 3.0 (section 12, item 17).
  if (pdu.registeredDelivery > (rules.version === "2.0" ? 2 : 1)) return 1;
  if (pdu.pkTotal < 1 || pdu.pkNumber < 1 || pdu.pkNumber > pdu.pkTotal) return 1;
  if (!KNOWN_FORMATS.has(pdu.msgFmt)) return 1;
  // "Msg_Fmt 值为 0 时：<160 个字节；其它<=140 个字节"
  if (pdu.msgFmt === MsgFmt.ASCII ? pdu.msgContent.length >= 160 : pdu.msgContent.length > 140) return 6;
  if (pdu.tpUdhi > 1) return 1;
  let body = pdu.msgContent;
  if (pdu.tpUdhi === 1) {
    const userData = parseUserData(pdu.msgContent);
    if (userData === null) return 1;
    if (pdu.pkTotal > 1 && (userData.concat === null || userData.concat.total !== pdu.pkTotal || userData.concat.sequence !== pdu.pkNumber)) return 1;
    body = userData.body;
  } else if (pdu.pkTotal > 1) {
    return 1; // Pk fields say "part of a long message" but there is no header to reassemble it by
  }
  if (pdu.msgFmt === MsgFmt.UCS2 && body.length % 2 !== 0) return 1;
  if (pdu.msgSrc !== rules.account) return 11;
  if (!/^\d+$/.test(pdu.srcId) || (rules.accessNumber !== undefined && !pdu.srcId.startsWith(rules.accessNumber))) return 10;
  if (rules.serviceId !== undefined && pdu.serviceId !== rules.serviceId) return 7;
  if (pdu.feeUserType > 3 || !FEE_TYPES[rules.version].has(pdu.feeType) || !/^\d{0,6}$/.test(pdu.feeCode)) return 5;
  if (pdu.feeUserType === 3 && !/^\d+$/.test(pdu.feeTerminalId)) return 12;
  if (!isSmppTime(pdu.validTime) || !isSmppTime(pdu.atTime)) return 1;
  for (const dest of pdu.destTerminalIds) if (!rules.destPattern.test(dest)) return 13;
  return 0;
}

/** Empty, or the 16-character SMPP 3.3 absolute/relative time "YYMMDDhhmmsstnnp". */
function isSmppTime(value: string): boolean {
  return value === "" || /^\d{12}\d\d{2}[+\-R]$/.test(value);
}
