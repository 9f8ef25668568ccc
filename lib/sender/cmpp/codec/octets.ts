/**
 * Reading and writing the spec's basic types at fixed offsets. Octet strings are ASCII, right-padded
 * with binary zeros ("右补 0 则补二进制的零", section 8.1); Msg_Id is carried as 16 hex digits.
 */

const HEX8 = "00000000";

/** Writes `value` into `width` octets at `offset`, padding with NULs. Throws if it does not fit. */
export function writeOctetString(buf: Buffer, offset: number, width: number, value: string): void {
  const n = value.length;
  if (n > width) throw new RangeError(`"${value}" is longer than its ${width}-octet field`);
  // latin1 keeps one octet per character; callers validate that values are ASCII.
  if (n > 0) buf.write(value, offset, n, "latin1");
  if (n < width) buf.fill(0, offset + n, offset + width);
}

/** Reads an octet string, stopping at the first NUL (peers pad with NULs or, rarely, nothing). */
export function readOctetString(buf: Buffer, offset: number, width: number): string {
  let end = offset;
  const limit = offset + width;
  while (end < limit && buf[end] !== 0) end++;
  return end === offset ? "" : buf.toString("latin1", offset, end);
}

export function writeMsgId(buf: Buffer, offset: number, msgId: string): void {
  // Two 32-bit halves: parseInt on 8 hex digits is exact, and avoids a BigInt per message.
  buf.writeUInt32BE(parseInt(msgId.slice(0, 8), 16) >>> 0, offset);
  buf.writeUInt32BE(parseInt(msgId.slice(8, 16), 16) >>> 0, offset + 4);
}

export function readMsgId(buf: Buffer, offset: number): string {
  return hex8(buf.readUInt32BE(offset)) + hex8(buf.readUInt32BE(offset + 4));
}

function hex8(n: number): string {
  const s = n.toString(16);
  return s.length === 8 ? s : HEX8.slice(s.length) + s;
}

/** Status / Result fields are 1 octet in 2.0 and 4 in 3.0. */
export function writeStatus(buf: Buffer, offset: number, width: 1 | 4, value: number): void {
  if (width === 1) buf[offset] = value & 0xff;
  else buf.writeUInt32BE(value >>> 0, offset);
}

export function readStatus(buf: Buffer, offset: number, width: 1 | 4): number {
  return width === 1 ? buf[offset] : buf.readUInt32BE(offset);
}
