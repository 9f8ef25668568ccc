import { describe, expect, it } from "vitest";
import { OUTCOME_CATEGORIES } from "@/lib/sender/outcome";
import { classifyStat, compileStatDictionary, DEFAULT_CMPP_STAT_CODES } from "./stat-codes";
import { describeConnectStatus, describeSubmitResult, submitResultCategory } from "./result-codes";

describe("DEFAULT_CMPP_STAT_CODES", () => {
  it("has one row per code, every category valid, and only ACCEPTD intermediate", () => {
    const codes = DEFAULT_CMPP_STAT_CODES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const row of DEFAULT_CMPP_STAT_CODES) expect(OUTCOME_CATEGORIES).toContain(row.category);
    expect(DEFAULT_CMPP_STAT_CODES.filter((r) => !r.final).map((r) => r.code)).toEqual(["ACCEPTD"]);
  });

  it("maps the spec's standard values", () => {
    const c = (s: string) => classifyStat(DEFAULT_CMPP_STAT_CODES, s);
    expect(c("DELIVRD")).toMatchObject({ category: "delivered", final: true });
    expect(c("EXPIRED").category).toBe("expired");
    expect(c("UNDELIV").category).toBe("handset_off");
    expect(c("REJECTD").category).toBe("carrier_block");
    expect(c("DELETED").category).toBe("carrier_block");
    expect(c("UNKNOWN").category).toBe("unknown");
    expect(c("ACCEPTD")).toMatchObject({ final: false });
  });

  it("maps common vendor codes", () => {
    const c = (s: string) => classifyStat(DEFAULT_CMPP_STAT_CODES, s).category;
    expect(c("MK:0001")).toBe("invalid_number");
    expect(c("MK:0024")).toBe("handset_off");
    expect(c("MB:1077")).toBe("blacklisted");
    expect(c("ID:0076")).toBe("content_rejected");
    expect(c("IB:0008")).toBe("rate_limited");
    expect(c("DB:0141")).toBe("blacklisted");
  });
});

describe("classifyStat", () => {
  const dict = compileStatDictionary(DEFAULT_CMPP_STAT_CODES);

  it("normalises case, padding and NULs", () => {
    expect(classifyStat(dict, " delivrd\0").category).toBe("delivered");
  });

  it("falls back to the prefix rules for codes the dictionary lacks", () => {
    expect(classifyStat(dict, "MK:0099")).toMatchObject({ code: "MK:0099", category: "handset_off", final: true });
    expect(classifyStat(dict, "MA:0099").category).toBe("unknown");
    expect(classifyStat(dict, "CB:0053").category).toBe("carrier_block");
    expect(classifyStat(dict, "IC:0002").category).toBe("unknown");
  });

  it("falls back to a final unknown for anything else", () => {
    expect(classifyStat(dict, "WHATEVR")).toMatchObject({ category: "unknown", final: true });
    expect(classifyStat(dict, "")).toMatchObject({ category: "unknown" });
  });

  it("lets an operator's dictionary override defaults and add prefix rows ending in *", () => {
    const edited = [
      { code: "UNDELIV", category: "invalid_number" as const, final: true, description: "this carrier uses UNDELIV for empty numbers" },
      { code: "MK:*", category: "unknown" as const, final: true, description: "all MK unknown here" },
      { code: "MK:00*", category: "expired" as const, final: true, description: "longer prefix wins" },
    ];
    expect(classifyStat(edited, "UNDELIV").category).toBe("invalid_number");
    expect(classifyStat(edited, "MK:0100").category).toBe("unknown");
    expect(classifyStat(edited, "MK:0001")).toMatchObject({ code: "MK:0001", category: "expired" });
    expect(classifyStat(compileStatDictionary(edited), "MK:0001").category).toBe("expired");
  });
});

describe("response codes in words", () => {
  it("explains every CONNECT_RESP status", () => {
    expect(describeConnectStatus(1)).toMatch(/structure/);
    expect(describeConnectStatus(2)).toMatch(/illegal source address/);
    expect(describeConnectStatus(3)).toMatch(/authentication failed/);
    expect(describeConnectStatus(4)).toMatch(/version too high/);
    expect(describeConnectStatus(5)).toMatch(/too many connections/);
  });

  it("explains SUBMIT_RESP results and categorises final ones", () => {
    expect(describeSubmitResult(8)).toMatch(/flow control/);
    expect(submitResultCategory(13)).toBe("invalid_number");
    expect(submitResultCategory(99)).toBe("unknown");
  });
});
