/**
 * Msg_Id (spec 8.4.3.2): 64 bits = month 4 | day 5 | hour 5 | minute 6 | second 6 | gateway code 22
 * | sequence 16. Carried everywhere as 16 lowercase hex digits; arithmetic goes through BigInt, never
 * through a JS number (which holds only 53 bits).
 */

export const ZERO_MSG_ID = "0000000000000000";

const MSG_ID_PATTERN = /^[0-9a-f]{16}$/;

export function isMsgId(value: string): boolean {
  return MSG_ID_PATTERN.test(value);
}

export function msgIdToBigInt(msgId: string): bigint {
  return BigInt("0x" + msgId);
}

export function msgIdFromBigInt(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16).padStart(16, "0");
}

/** The unsigned decimal form some gateway consoles and vendor tools print. */
export function msgIdToDecimal(msgId: string): string {
  return msgIdToBigInt(msgId).toString(10);
}

export interface MsgIdParts {
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  gatewayId: number;
  sequence: number;
}

export function composeMsgId(p: MsgIdParts): string {
  const time = (((BigInt(p.month) * 32n + BigInt(p.day)) * 32n + BigInt(p.hour)) * 64n + BigInt(p.minute)) * 64n + BigInt(p.second);
  return msgIdFromBigInt((time << 38n) | (BigInt(p.gatewayId & 0x3fffff) << 16n) | BigInt(p.sequence & 0xffff));
}

export function parseMsgId(msgId: string): MsgIdParts {
  const v = msgIdToBigInt(msgId);
  return {
    month: Number((v >> 60n) & 0xfn),
    day: Number((v >> 55n) & 0x1fn),
    hour: Number((v >> 50n) & 0x1fn),
    minute: Number((v >> 44n) & 0x3fn),
    second: Number((v >> 38n) & 0x3fn),
    gatewayId: Number((v >> 16n) & 0x3fffffn),
    sequence: Number(v & 0xffffn),
  };
}

/**
 * The ids of a submit to `count` numbers: the gateway answers one Msg_Id and the i-th number's
 * message is Msg_Id + i (spec appendix 1). The appendix also says the 16-bit sequence part wraps to
 * 0 at its maximum rather than carrying into the gateway code, so that is what is computed here.
 */
export function msgIdRange(first: string, count: number): string[] {
  if (count === 1) return [first];
  const v = msgIdToBigInt(first);
  const high = v & ~0xffffn;
  const seq = Number(v & 0xffffn);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = msgIdFromBigInt(high | BigInt((seq + i) & 0xffff));
  return ids;
}

/**
 * The plain 64-bit sum Msg_Id + i. Equal to msgIdRange's i-th id unless the sequence wrapped;
 * kept so a report from a gateway that carries instead of wrapping still finds its message.
 */
export function msgIdPlus(first: string, i: number): string {
  return msgIdFromBigInt(msgIdToBigInt(first) + BigInt(i));
}
