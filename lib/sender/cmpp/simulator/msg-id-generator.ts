/**
 * Msg_Ids as a gateway makes them (spec 8.4.3.2): the current time, this gateway's code and a
 * 16-bit sequence. A multi-destination submit reserves a run of sequences (appendix 1). If more
 * than 65,536 ids are needed within one second the clock part is advanced, so ids stay unique.
 *
 * Built from two 32-bit halves with plain numbers (the high half changes once a second), since the
 * simulator makes one per SUBMIT at benchmark rates; codec/msg-id.ts has the general BigInt form.
 */
const HEX8 = "00000000";
const hex8 = (n: number) => {
  const s = n.toString(16);
  return HEX8.slice(s.length) + s;
};

export class MsgIdGenerator {
  private sequence = 0;
  private second = -1;
  private usedThisSecond = 0;
  private skew = 0;
  private high = "";

  constructor(private readonly gatewayId: number) {
    this.gatewayId &= 0x3fffff;
  }

  /** The first id of a run of `count`; the others are its successors (sequence wrapping at 16 bits). */
  next(count = 1): string {
    const nowSecond = Math.floor(Date.now() / 1000) + this.skew;
    if (nowSecond !== this.second) this.startSecond(nowSecond);
    if (this.usedThisSecond + count > 0x10000) {
      this.skew++;
      this.startSecond(this.second + 1);
    }
    const low = (((this.gatewayId & 0xffff) << 16) | this.sequence) >>> 0;
    this.sequence = (this.sequence + count) & 0xffff;
    this.usedThisSecond += count;
    return this.high + hex8(low);
  }

  private startSecond(second: number): void {
    this.second = second;
    this.usedThisSecond = 0;
    const d = new Date(second * 1000);
    // month 4 | day 5 | hour 5 | minute 6 | second 6 = 26 bits, then the gateway code's top 6 bits.
    const time = ((((d.getMonth() + 1) * 32 + d.getDate()) * 32 + d.getHours()) * 64 + d.getMinutes()) * 64 + d.getSeconds();
    this.high = hex8(((time << 6) | (this.gatewayId >>> 16)) >>> 0);
  }
}
