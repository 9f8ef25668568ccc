import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { countSegments, segmentText, TextTooLongError } from "./segmenter";
import { decodeMessageContent, decodeUcs2Be, encodeUcs2Be, encodeGbk } from "./text-encoding";
import { parseUserData } from "./udh";

/** Reassembles segmentText's output the way a handset would. */
function rejoin(contents: Buffer[], msgFmt: number): string {
  const bodies = contents.map((c) => (contents.length > 1 ? (parseUserData(c)?.body ?? Buffer.alloc(0)) : c));
  return decodeMessageContent(Buffer.concat(bodies), msgFmt);
}

describe("Msg_Fmt by content", () => {
  it("sends ASCII as Msg_Fmt 0, one octet a character", () => {
    const s = segmentText("Your code is 1234", 1);
    expect(s).toMatchObject({ msgFmt: 0, tpUdhi: 0 });
    expect(s.contents[0].toString("latin1")).toBe("Your code is 1234");
  });

  it("sends anything else as Msg_Fmt 8, UCS2 big-endian", () => {
    const s = segmentText("验证码", 1);
    expect(s.msgFmt).toBe(8);
    expect(s.contents[0].toString("hex")).toBe("9a8c8bc17801"); // 验 U+9A8C, 证 U+8BC1, 码 U+7801
  });

  it("round-trips UCS2 including astral characters", () => {
    expect(decodeUcs2Be(encodeUcs2Be("a😀中"))).toBe("a😀中");
    expect(encodeUcs2Be("😀").toString("hex")).toBe("d83dde00");
  });

  it("decodes GBK (Msg_Fmt 15) on receipt", () => {
    const gbk = encodeGbk("退订");
    expect(gbk.toString("hex")).toBe("cdcbb6a9");
    expect(decodeMessageContent(gbk, 15)).toBe("退订");
  });
});

describe("splitting long text", () => {
  it("keeps 140 ASCII characters in one segment and splits 141 into 134 + 7 with headers", () => {
    expect(segmentText("a".repeat(140), 1).contents).toHaveLength(1);
    const s = segmentText("a".repeat(141), 0x2a);
    expect(s.tpUdhi).toBe(1);
    expect(s.contents.map((c) => c.length)).toEqual([140, 13]);
    expect(s.contents[0].subarray(0, 6).toString("hex")).toBe("0500032a0201");
    expect(s.contents[1].subarray(0, 6).toString("hex")).toBe("0500032a0202");
  });

  it("keeps 70 Chinese characters in one segment and splits 71 into 67 + 4", () => {
    expect(segmentText("中".repeat(70), 1).contents).toHaveLength(1);
    const s = segmentText("中".repeat(71), 9);
    expect(s.contents.map((c) => (c.length - 6) / 2)).toEqual([67, 4]);
    expect(s.contents.every((c) => c.length <= 140)).toBe(true);
  });

  it("never splits a surrogate pair", () => {
    const text = "中".repeat(66) + "😀" + "中".repeat(10);
    const s = segmentText(text, 1);
    const first = decodeUcs2Be(s.contents[0].subarray(6));
    expect(first).toBe("中".repeat(66)); // 66 units: the emoji would have straddled the 67th
    expect(decodeUcs2Be(s.contents[1].subarray(6)).startsWith("😀")).toBe(true);
    expect(rejoin(s.contents, 8)).toBe(text);
  });

  it("refuses text needing more than 255 segments", () => {
    expect(() => segmentText("中".repeat(67 * 255 + 1), 1)).toThrow(TextTooLongError);
    expect(segmentText("中".repeat(67 * 255), 1).contents).toHaveLength(255);
  });

  it("any text splits into ≤140-octet parts that rejoin to the original, with coherent headers", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 600 }), fc.nat(255), (text, ref) => {
        fc.pre(text.length > 0);
        const s = segmentText(text, ref);
        expect(s.contents.every((c) => c.length <= 140)).toBe(true);
        expect(countSegments(text)).toBe(s.contents.length);
        if (s.contents.length > 1) {
          s.contents.forEach((c, i) => expect(parseUserData(c)?.concat).toEqual({ reference: ref, total: s.contents.length, sequence: i + 1 }));
        }
        expect(rejoin(s.contents, s.msgFmt)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});

describe("user data headers", () => {
  it("reads the 8-bit and 16-bit concatenation forms", () => {
    expect(parseUserData(Buffer.from("0500031203024142", "hex"))).toEqual({ concat: { reference: 0x12, total: 3, sequence: 2 }, body: Buffer.from("AB") });
    expect(parseUserData(Buffer.from("06080412340302" + "41", "hex"))).toEqual({ concat: { reference: 0x1234, total: 3, sequence: 2 }, body: Buffer.from("A") });
  });

  it("skips other elements and rejects headers that overrun", () => {
    expect(parseUserData(Buffer.from("0b" + "0504" + "1f401f40" + "0003" + "070201" + "41", "hex"))?.concat).toEqual({ reference: 7, total: 2, sequence: 1 });
    expect(parseUserData(Buffer.from("09000301", "hex"))).toBeNull();
    expect(parseUserData(Buffer.from("050003010301", "hex"))?.concat).toEqual({ reference: 1, total: 3, sequence: 1 });
    expect(parseUserData(Buffer.from("050003010304", "hex"))?.concat).toBeNull(); // sequence beyond total
  });
});
