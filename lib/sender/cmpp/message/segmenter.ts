/**
 * Splits a text into SUBMIT contents. At most 140 octets a segment (spec: Msg_Length ≤ 140 for
 * Msg_Fmt ≠ 0; <160 for 0, where 140 is also safe since Msg_Fmt 0 is carried as 8-bit octets here):
 *
 *   ASCII (Msg_Fmt 0):  140 octets alone, 134 a part after the 6-octet header
 *   UCS2  (Msg_Fmt 8):   70 characters alone, 67 a part
 *
 * A UCS2 part never ends between the two halves of a surrogate pair (emoji and rarer CJK), so each
 * part decodes on its own; such a part carries 66 code units.
 */
import { MsgFmt } from "../codec/constants";
import { chooseMsgFmt, encodeUcs2Be } from "./text-encoding";
import { CONCAT_HEADER_LENGTH, concatHeader } from "./udh";

const MAX_OCTETS = 140;
const MAX_PARTS = 255;

export interface SegmentedText {
  msgFmt: typeof MsgFmt.ASCII | typeof MsgFmt.UCS2;
  /** 1 when the segments carry a concatenation header. */
  tpUdhi: 0 | 1;
  /** Msg_Content for each SUBMIT, header included. */
  contents: Buffer[];
}

export class TextTooLongError extends RangeError {
  constructor(parts: number) {
    super(`text needs ${parts} segments; a concatenated message has at most ${MAX_PARTS}`);
  }
}

/** Encodes and splits `text`; `reference` identifies this message's parts (callers rotate it). */
export function segmentText(text: string, reference: number): SegmentedText {
  const msgFmt = chooseMsgFmt(text);
  const pieces = msgFmt === MsgFmt.ASCII ? splitAscii(text) : splitUcs2(text);
  if (pieces.length === 1) return { msgFmt, tpUdhi: 0, contents: pieces };
  if (pieces.length > MAX_PARTS) throw new TextTooLongError(pieces.length);
  const total = pieces.length;
  const contents = pieces.map((piece, i) => Buffer.concat([concatHeader(reference, total, i + 1), piece], CONCAT_HEADER_LENGTH + piece.length));
  return { msgFmt, tpUdhi: 1, contents };
}

/** How many SMS a text costs, without encoding it. */
export function countSegments(text: string): number {
  return chooseMsgFmt(text) === MsgFmt.ASCII ? splitAscii(text).length : ucs2Boundaries(text).length - 1;
}

function splitAscii(text: string): Buffer[] {
  const bytes = Buffer.from(text, "latin1");
  if (bytes.length <= MAX_OCTETS) return [bytes];
  const size = MAX_OCTETS - CONCAT_HEADER_LENGTH;
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, Math.min(at + size, bytes.length)));
  return parts;
}

function splitUcs2(text: string): Buffer[] {
  const bounds = ucs2Boundaries(text);
  const parts: Buffer[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) parts.push(encodeUcs2Be(text.slice(bounds[i], bounds[i + 1])));
  return parts;
}

/** Code-unit offsets where parts start, plus the end. */
function ucs2Boundaries(text: string): number[] {
  const alone = MAX_OCTETS / 2;
  if (text.length <= alone) return [0, text.length];
  const size = (MAX_OCTETS - CONCAT_HEADER_LENGTH) / 2;
  const bounds = [0];
  let at = 0;
  while (at < text.length) {
    let next = Math.min(at + size, text.length);
    if (next < text.length && isHighSurrogate(text.charCodeAt(next - 1))) next--;
    bounds.push(next);
    at = next;
  }
  return bounds;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
