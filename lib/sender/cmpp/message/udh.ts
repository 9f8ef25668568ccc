/**
 * The User Data Header that marks one part of a concatenated message (TP_udhi=1, GSM 03.40
 * 9.2.3.24): `05 00 03 ref total seq` (8-bit reference) or `06 08 04 ref16 total seq` (16-bit).
 */

export interface ConcatInfo {
  /** Same for every part of one message (from one sender to one recipient). */
  reference: number;
  total: number;
  /** 1-based. */
  sequence: number;
}

export interface ParsedUserData {
  concat: ConcatInfo | null;
  /** The content after the header. */
  body: Buffer;
}

/** The 6-octet header we send: 8-bit reference. */
export function concatHeader(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, sequence]);
}

export const CONCAT_HEADER_LENGTH = 6;

/**
 * Splits a TP_udhi=1 content into header and body. Returns null when the header is malformed
 * (length beyond the content, an element overrunning the header), so the caller can treat the
 * whole content as text rather than lose it. Elements other than concatenation are skipped.
 */
export function parseUserData(content: Buffer): ParsedUserData | null {
  if (content.length < 1) return null;
  const headerLength = content[0];
  if (headerLength + 1 > content.length) return null;
  let concat: ConcatInfo | null = null;
  let p = 1;
  const end = 1 + headerLength;
  while (p < end) {
    if (p + 2 > end) return null;
    const id = content[p];
    const length = content[p + 1];
    const at = p + 2;
    if (at + length > end) return null;
    if (id === 0x00 && length === 3) {
      concat = { reference: content[at], total: content[at + 1], sequence: content[at + 2] };
    } else if (id === 0x08 && length === 4) {
      concat = { reference: content.readUInt16BE(at), total: content[at + 2], sequence: content[at + 3] };
    }
    p = at + length;
  }
  if (concat !== null && (concat.total === 0 || concat.sequence === 0 || concat.sequence > concat.total)) concat = null;
  return { concat, body: content.subarray(end) };
}
