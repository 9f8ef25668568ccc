import { describe, expect, it } from "vitest";
import { encodeStatusReport, parseStatusReport, type StatusReport } from "./status-report";

const report: StatusReport = {
  msgId: "bcb739c010010000",
  stat: "MK:0001",
  submitTime: "2410211200",
  doneTime: "2410211201",
  destTerminalId: "13800138000",
  smscSequence: 42,
};

describe("status report content", () => {
  it("is 60 octets in 2.0 and 71 in 3.0, and reads back either way", () => {
    const v2 = encodeStatusReport(report, "2.0");
    const v3 = encodeStatusReport(report, "3.0");
    expect(v2.length).toBe(60);
    expect(v3.length).toBe(71);
    expect(parseStatusReport(v2)).toEqual(report);
    expect(parseStatusReport(v3)).toEqual(report);
    expect(v3.readUInt32BE(67)).toBe(42);
  });

  it("tolerates short reports: what is there is read, the rest is empty", () => {
    const full = encodeStatusReport(report, "2.0");
    expect(parseStatusReport(full.subarray(0, 15))).toEqual({ ...report, submitTime: "", doneTime: "", destTerminalId: "", smscSequence: 0 });
    expect(parseStatusReport(full.subarray(0, 40))).toMatchObject({ stat: "MK:0001", doneTime: "2410211201", destTerminalId: "13800", smscSequence: 0 });
    expect(parseStatusReport(full.subarray(0, 14))).toBeNull();
  });

  it("trims space-padded Stat values", () => {
    const buf = encodeStatusReport({ ...report, stat: "DELIVRD" }, "3.0");
    Buffer.from("UNDEL  ").copy(buf, 8);
    expect(parseStatusReport(buf)?.stat).toBe("UNDEL");
  });
});
