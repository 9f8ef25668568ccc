/**
 * Msg_Fmt and the bytes of Msg_Content (spec 8.4.3.1): 0 ASCII, 8 UCS2 big-endian, 15 GBK.
 * Node's "ucs2"/"utf16le" is little-endian, so UCS2 is encoded little-endian and byte-swapped.
 */
import iconv from "iconv-lite";
import { MsgFmt } from "../codec/constants";

/** True when every character is 7-bit ASCII, i.e. the text can go as Msg_Fmt 0. */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** 0 (ASCII) when the text is ASCII, otherwise 8 (UCS2). */
export function chooseMsgFmt(text: string): typeof MsgFmt.ASCII | typeof MsgFmt.UCS2 {
  return isAscii(text) ? MsgFmt.ASCII : MsgFmt.UCS2;
}

export function encodeUcs2Be(text: string): Buffer {
  return Buffer.from(text, "utf16le").swap16();
}

/** An odd trailing octet (a broken peer) is dropped rather than thrown on. */
export function decodeUcs2Be(bytes: Buffer): string {
  const even = bytes.length & ~1;
  if (even === 0) return "";
  return Buffer.from(bytes.subarray(0, even)).swap16().toString("utf16le");
}

/** Text of a received Msg_Content in its Msg_Fmt; unknown formats are read as Latin-1 so nothing is lost. */
export function decodeMessageContent(bytes: Buffer, msgFmt: number): string {
  switch (msgFmt) {
    case MsgFmt.UCS2:
      return decodeUcs2Be(bytes);
    case MsgFmt.GBK:
      return iconv.decode(bytes, "gbk");
    default:
      return bytes.toString("latin1");
  }
}

/** GBK bytes, for gateways (and simulator replies) that use Msg_Fmt 15. */
export function encodeGbk(text: string): Buffer {
  return iconv.encode(text, "gbk");
}
