/**
 * How many CMPP segments a text costs, computed in the browser (no Buffer, no iconv) so the
 * compose form can count as the operator types. It follows the sender's own splitter
 * (lib/sender/cmpp/message/segmenter.ts) rule for rule; the test compares the two on many texts.
 *
 *   ASCII (every character ≤ U+007F, one octet each): 140 octets alone, 134 a part
 *   UCS2  (anything else, two octets a code unit):      70 code units alone, 67 a part
 *
 * A UCS2 part never ends between the halves of a surrogate pair (an emoji is two code units), so
 * such a part carries 66 units. A concatenated message has at most 255 parts.
 */
export type SmsEncoding = "ASCII" | "UCS2";

export interface SmsLength {
  /** What a person counts: code points, so an emoji is one. */
  characters: number;
  /** What the carrier counts: octets for ASCII, UTF-16 code units for UCS2. */
  units: number;
  encoding: SmsEncoding;
  /** 0 for an empty text. */
  segments: number;
  /** Units one segment holds: alone when segments ≤ 1, a part's share otherwise. */
  unitsPerSegment: number;
  /** More than the 255 parts a concatenated message can have: the sender refuses it. */
  tooLong: boolean;
}

export const MAX_SEGMENTS = 255;
const MAX_OCTETS = 140;
const CONCAT_HEADER_OCTETS = 6;

const ASCII_ALONE = MAX_OCTETS;
const ASCII_PART = MAX_OCTETS - CONCAT_HEADER_OCTETS;
const UCS2_ALONE = MAX_OCTETS / 2;
const UCS2_PART = (MAX_OCTETS - CONCAT_HEADER_OCTETS) / 2;

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    count++;
    if (isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count;
}

function ucs2Segments(text: string): number {
  if (text.length <= UCS2_ALONE) return 1;
  let parts = 0;
  for (let at = 0; at < text.length; parts++) {
    let next = Math.min(at + UCS2_PART, text.length);
    if (next < text.length && isHighSurrogate(text.charCodeAt(next - 1))) next--;
    at = next;
  }
  return parts;
}

/** The length of `text` as a CMPP channel sends it (signature included, if the caller added it). */
export function measureCmppText(text: string): SmsLength {
  const characters = countCodePoints(text);
  if (text === "") return { characters, units: 0, encoding: "ASCII", segments: 0, unitsPerSegment: ASCII_ALONE, tooLong: false };
  if (isAscii(text)) {
    const segments = text.length <= ASCII_ALONE ? 1 : Math.ceil(text.length / ASCII_PART);
    return {
      characters,
      units: text.length,
      encoding: "ASCII",
      segments,
      unitsPerSegment: segments === 1 ? ASCII_ALONE : ASCII_PART,
      tooLong: segments > MAX_SEGMENTS,
    };
  }
  const segments = ucs2Segments(text);
  return {
    characters,
    units: text.length,
    encoding: "UCS2",
    segments,
    unitsPerSegment: segments === 1 ? UCS2_ALONE : UCS2_PART,
    tooLong: segments > MAX_SEGMENTS,
  };
}
