import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { receiptCodes } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { DEFAULT_CMPP_STAT_CODES } from "@/lib/sender/cmpp/receipts/stat-codes";
import { DEFAULT_JSMS_REPORT_CODES } from "@/lib/sender/jsms/report-codes";
import { resolveProviderForChannel } from "./provider-service";
import { receiptCodeSchema } from "./receipt-code-schema";
import { seedCodesFor } from "./receipt-code-seeds";
import { classifyCode, deleteProviderCode, getProviderCodes, replaceProviderCodes } from "./receipt-code-service";
import { codeCounts, seedReceiptCodes } from "./seed-receipt-codes";

const actor = SYSTEM_ACTOR("test");

describe("seed dictionaries", () => {
  const carrier = seedCodesFor({ id: "china_mobile", kind: "cmpp" });
  const byCode = new Map(carrier.map((row) => [row.code, row]));

  it("give the carriers the spec values, the sender's whole table and the field notes' MA and CB codes", () => {
    for (const row of DEFAULT_CMPP_STAT_CODES) expect(byCode.has(row.code), row.code).toBe(true);
    for (const code of ["MA:0001", "MA:0002", "MA:0003", "MA:0005", "MA:0006", "MA:0012", "MA:0021", "MA:0022", "MA:0023", "MA:0024", "CB:0001", "CB:0007", "CB:0018", "CB:0053"]) {
      expect(byCode.has(code), code).toBe(true);
    }
    expect(byCode.get("MA:0001")).toMatchObject({ outcome: "failed", category: "blacklisted" });
    expect(byCode.get("MA:0024")).toMatchObject({ category: "content_rejected" });
    expect(byCode.get("CB:0007")).toMatchObject({ category: "no_balance" });
    expect(seedCodesFor({ id: "china_telecom", kind: "cmpp" })).toEqual(carrier);
  });

  it("follow the field notes where the sender's table disagrees: REJECTD, DELETED, UNKNOWN are other; ACCEPTD is not final", () => {
    for (const code of ["REJECTD", "DELETED", "UNKNOWN"]) expect(byCode.get(code), code).toMatchObject({ outcome: "failed", category: "unknown" });
    expect(byCode.get("ACCEPTD")).toMatchObject({ outcome: "pending", category: "unknown" });
    expect(byCode.get("DELIVRD")).toMatchObject({ outcome: "delivered", category: "delivered" });
    expect(byCode.get("UNDELIV")).toMatchObject({ category: "handset_off" });
  });

  it("give Other and providers added by name the spec values and the aggregator codes, not China Mobile's families", () => {
    const other = new Map(seedCodesFor({ id: "other", kind: "cmpp" }).map((row) => [row.code, row]));
    expect([...other.keys()]).toEqual(expect.arrayContaining(["DELIVRD", "ACCEPTD", "UNDELIV", "NOSEND", "HIGRISK", "BLACK", "HD:0001"]));
    expect(other.has("MK:0001")).toBe(false);
    expect(other.get("HIGRISK")).toMatchObject({ category: "blacklisted" });
    expect(other.get("NOSEND")).toMatchObject({ category: "content_rejected" });
    expect(seedCodesFor({ id: "p_0123456789", kind: "cmpp" })).toEqual([...other.values()]);
  });

  it("give JSMS its report statuses and the API errors stored on refused messages", () => {
    const jsms = new Map(seedCodesFor({ id: "jsms", kind: "jsms" }).map((row) => [row.code, row]));
    for (const row of DEFAULT_JSMS_REPORT_CODES) expect(jsms.has(row.code), row.code).toBe(true);
    expect(jsms.get("4001")).toMatchObject({ outcome: "delivered" });
    expect(jsms.get("50006")).toMatchObject({ category: "invalid_number" });
    expect(jsms.get("50009")).toMatchObject({ category: "rate_limited" });
    expect(jsms.get("50014")).toMatchObject({ category: "no_balance" });
    expect(jsms.get("50024")).toMatchObject({ category: "blacklisted" });
    expect(jsms.get("50037")).toMatchObject({ category: "content_rejected" });
    for (const code of ["50013", "50022", "50030", "50031", "50034", "50035", "50043"]) expect(jsms.has(code), code).toBe(true);
    expect(jsms.has("DELIVRD")).toBe(false);
  });

  it("are valid rows with a description in both languages, each code once", () => {
    for (const provider of [
      { id: "china_mobile", kind: "cmpp" },
      { id: "other", kind: "cmpp" },
      { id: "jsms", kind: "jsms" },
    ] as const) {
      const rows = seedCodesFor(provider);
      expect(new Set(rows.map((row) => row.code)).size).toBe(rows.length);
      for (const row of rows) {
        expect(receiptCodeSchema.parse(row), row.code).toEqual(row);
        expect(row.description.length, row.code).toBeGreaterThan(3);
        expect(row.descriptionZh, row.code).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });
});

describeEachDb("seeding the dictionaries at start-up", (t) => {
  it("has seeded every preset by the time the migrations ran", async () => {
    const counts = await codeCounts(t.db);
    expect(counts.get("china_mobile")).toBe(seedCodesFor({ id: "china_mobile", kind: "cmpp" }).length);
    expect(counts.get("china_unicom")).toBe(counts.get("china_mobile"));
    expect(counts.get("china_telecom")).toBe(counts.get("china_mobile"));
    expect(counts.get("other")).toBe(seedCodesFor({ id: "other", kind: "cmpp" }).length);
    expect(counts.get("jsms")).toBe(seedCodesFor({ id: "jsms", kind: "jsms" }).length);
    const [row] = await t.db
      .select()
      .from(receiptCodes)
      .where(and(eq(receiptCodes.providerId, "china_mobile"), eq(receiptCodes.code, "MK:0001")));
    expect(row).toMatchObject({ outcome: "failed", category: "invalid_number", updatedBy: "system:seed" });
    expect(row!.descriptionZh).toContain("空号");
  });

  it("adds nothing a second time, and leaves an operator's edits and deletions as they are", async () => {
    await deleteProviderCode(t.db, "china_unicom", "MK:0001", actor);
    await classifyCode(t.db, "china_unicom", { code: "UNDELIV", outcome: "failed", category: "invalid_number" }, actor);
    const before = await codeCounts(t.db);
    expect(await seedReceiptCodes(t.db)).toEqual({ seeded: [] });
    expect(await codeCounts(t.db)).toEqual(before);
    const codes = new Map((await getProviderCodes(t.db, "china_unicom")).map((row) => [row.code, row]));
    expect(codes.has("MK:0001")).toBe(false);
    expect(codes.get("UNDELIV")?.category).toBe("invalid_number");
  });

  it("does not refill a dictionary an operator emptied, but seeds a provider that never had codes", async () => {
    await replaceProviderCodes(t.db, "china_telecom", { items: [] }, actor);
    const fresh = await resolveProviderForChannel(t.db, "Seed Test Aggregator");
    await t.db.delete(receiptCodes).where(eq(receiptCodes.providerId, fresh)); // as if it had been added before seeding existed
    expect(await seedReceiptCodes(t.db)).toEqual({ seeded: [fresh] });
    const counts = await codeCounts(t.db);
    expect(counts.get("china_telecom") ?? 0).toBe(0);
    expect(counts.get(fresh)).toBe(seedCodesFor({ id: fresh, kind: "cmpp" }).length);
  });
});
