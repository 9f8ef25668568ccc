import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countSegments } from "@/lib/sender/cmpp/message/segmenter";
import { measureCmppText } from "./segment-count";

const EMOJI = "😀"; // two UCS2 code units

describe("the compose form's segment counter", () => {
  it("counts nothing for an empty text", () => {
    expect(measureCmppText("")).toMatchObject({ characters: 0, units: 0, segments: 0, tooLong: false });
  });

  it("sends ASCII as 140 octets alone and 134 a part", () => {
    expect(measureCmppText("a".repeat(140))).toMatchObject({ encoding: "ASCII", segments: 1, unitsPerSegment: 140 });
    expect(measureCmppText("a".repeat(141))).toMatchObject({ encoding: "ASCII", segments: 2, unitsPerSegment: 134 });
    expect(measureCmppText("a".repeat(268)).segments).toBe(2);
    expect(measureCmppText("a".repeat(269)).segments).toBe(3);
  });

  it("sends anything else as UCS2: 70 alone, 67 a part", () => {
    expect(measureCmppText("中".repeat(70))).toMatchObject({ encoding: "UCS2", characters: 70, segments: 1, unitsPerSegment: 70 });
    expect(measureCmppText("中".repeat(71))).toMatchObject({ encoding: "UCS2", segments: 2, unitsPerSegment: 67 });
    // One non-ASCII character turns a whole ASCII text into UCS2.
    expect(measureCmppText("a".repeat(70) + "é")).toMatchObject({ encoding: "UCS2", segments: 2 });
  });

  it("counts an emoji as one character but two units", () => {
    expect(measureCmppText(`Hi ${EMOJI}`)).toMatchObject({ characters: 4, units: 5, encoding: "UCS2", segments: 1 });
  });

  it("moves an emoji that would straddle a part boundary into the next part", () => {
    // 66 units, then the emoji's halves at units 67 and 68: the first part stops at 66.
    const straddling = "中".repeat(66) + EMOJI + "中".repeat(66);
    expect(straddling.length).toBe(134);
    expect(measureCmppText(straddling).segments).toBe(3); // 66 + 67 + 1, where a plain split needs 2
    expect(countSegments(straddling)).toBe(3);
    // The same length without the straddle fits two parts.
    expect(measureCmppText("中".repeat(65) + EMOJI + "中".repeat(67)).segments).toBe(2);
  });

  it("flags a text beyond 255 parts", () => {
    expect(measureCmppText("中".repeat(67 * 255))).toMatchObject({ segments: 255, tooLong: false });
    expect(measureCmppText("中".repeat(67 * 255 + 1))).toMatchObject({ segments: 256, tooLong: true });
    expect(measureCmppText("a".repeat(134 * 255 + 1)).tooLong).toBe(true);
  });

  const mixed = fc
    .array(fc.constantFrom("a", " ", "7", "中", "验", EMOJI, "🇨🇳", "é", "\n", "【", "】"), { maxLength: 400 })
    .map((pieces) => pieces.join(""));

  it.each([
    ["ASCII", fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 600 })],
    ["any code points", fc.string({ unit: "binary", minLength: 1, maxLength: 400 })],
    ["graphemes", fc.string({ unit: "grapheme", minLength: 1, maxLength: 300 })],
    ["Chinese, ASCII and emoji", mixed.filter((s) => s.length > 0)],
  ])("agrees with the sender's own splitter on %s", (_name, texts) => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(measureCmppText(text).segments).toBe(countSegments(text));
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with the sender wherever an emoji sits in a text that fills its parts exactly", () => {
    // 134 and 201 units fill 2 and 3 parts of 67 to the brim, so an emoji pushed over a boundary adds a part.
    let straddles = 0;
    for (const units of [134, 201]) {
      for (let before = 0; before + 2 <= units; before++) {
        const text = "中".repeat(before) + EMOJI + "中".repeat(units - before - 2);
        const segments = measureCmppText(text).segments;
        expect(segments, `${units} units, emoji after ${before}`).toBe(countSegments(text));
        if (segments > units / 67) straddles++;
      }
    }
    expect(straddles).toBe(3); // 66 of 134; 66 and 133 of 201
  });
});
