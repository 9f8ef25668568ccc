import { describe, expect, it } from "vitest";
import { DEFAULT_JSMS_REPORT_CODES, classifyJsmsReport } from "@/lib/sender/jsms/report-codes";

describe("DEFAULT_JSMS_REPORT_CODES", () => {
  it("map the documented SMS statuses to outcomes", () => {
    const byCode = Object.fromEntries(DEFAULT_JSMS_REPORT_CODES.map((r) => [r.code, r.category]));
    expect(byCode).toMatchObject({
      "4001": "delivered",
      "4002": "blacklisted",
      "4003": "handset_off",
      "4004": "invalid_number",
      "4005": "no_balance",
      "4006": "rate_limited",
      "4010": "content_rejected",
      "4100": "unknown",
    });
    expect(DEFAULT_JSMS_REPORT_CODES.every((r) => r.final)).toBe(true);
    expect(new Set(DEFAULT_JSMS_REPORT_CODES.map((r) => r.code)).size).toBe(DEFAULT_JSMS_REPORT_CODES.length);
  });
});

describe("classifyJsmsReport", () => {
  it("finds a status given as number or string, in a list or a map", () => {
    expect(classifyJsmsReport(DEFAULT_JSMS_REPORT_CODES, 4004).category).toBe("invalid_number");
    expect(classifyJsmsReport(DEFAULT_JSMS_REPORT_CODES, "4001").category).toBe("delivered");
    const edited = new Map(DEFAULT_JSMS_REPORT_CODES.map((r) => [r.code, r]));
    edited.set("4100", { code: "4100", category: "carrier_block", final: true, description: "Operator says: carrier block." });
    expect(classifyJsmsReport(edited, 4100).category).toBe("carrier_block");
  });

  it("calls an unknown status a final unknown instead of failing", () => {
    expect(classifyJsmsReport(DEFAULT_JSMS_REPORT_CODES, 4999)).toEqual({
      code: "4999",
      category: "unknown",
      final: true,
      description: "Unrecognised JSMS report status 4999.",
    });
  });
});
