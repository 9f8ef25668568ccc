import { describe, expect, it } from "vitest";
import { composeMsgId, msgIdPlus, msgIdRange, msgIdToDecimal, parseMsgId } from "./msg-id";

describe("Msg_Id", () => {
  it("packs month, day, hour, minute, second, gateway and sequence into 64 bits", () => {
    const parts = { month: 12, day: 31, hour: 23, minute: 59, second: 58, gatewayId: 0x3fffff, sequence: 0xfffe };
    const id = composeMsgId(parts);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(parseMsgId(id)).toEqual(parts);
    // Month in the top 4 bits: 12 → 0xc…
    expect(id[0]).toBe("c");
  });

  it("keeps values beyond 2^53 exactly", () => {
    expect(msgIdToDecimal("ffffffffffffffff")).toBe("18446744073709551615");
    expect(msgIdToDecimal("0020000000000001")).toBe("9007199254740993"); // 2^53 + 1
  });

  it("gives a multi-destination submit the range Msg_Id … Msg_Id+N−1", () => {
    expect(msgIdRange("bcb739c010010000", 3)).toEqual(["bcb739c010010000", "bcb739c010010001", "bcb739c010010002"]);
  });

  it("wraps the 16-bit sequence rather than carrying into the gateway code (spec appendix 1)", () => {
    expect(msgIdRange("bcb739c01001fffe", 3)).toEqual(["bcb739c01001fffe", "bcb739c01001ffff", "bcb739c010010000"]);
    expect(msgIdPlus("bcb739c01001ffff", 1)).toBe("bcb739c010020000");
  });
});
