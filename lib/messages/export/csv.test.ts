import { describe, expect, it } from "vitest";
import { csvField, csvLine } from "./csv";

describe("CSV fields", () => {
  it("quote a field with a comma, a quote or a line break, doubling quotes (RFC 4180)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rlf")).toBe('"cr\rlf"');
    expect(csvField("梦网科技")).toBe("梦网科技");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(3)).toBe("3");
  });

  it("make a cell a spreadsheet would run as a formula plain text", () => {
    expect(csvField("=1+2")).toBe("'=1+2");
    expect(csvField("+cmd")).toBe("'+cmd");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField("\r=1")).toBe("\"'\r=1\"");
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    // Numbers run nothing and keep their sign: an international phone number stays as it is.
    expect(csvField("+447911123456")).toBe("+447911123456");
    expect(csvField("-1")).toBe("-1");
    expect(csvField("a=b")).toBe("a=b");
  });

  it("end each record with CRLF", () => {
    expect(csvLine(["a", null, 2, "x,y"])).toBe('a,,2,"x,y"\r\n');
  });
});
