import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { categoryOf, classifyCode, codeCategorySql, consoleReasonCategory } from "./code-category";

describe("classifying a code without the database", () => {
  it("prefers the dictionary, then the console's reasons, else unclassified", () => {
    expect(categoryOf("UNDELIV", "handset_off")).toBe("handset_off");
    expect(categoryOf("no_number_for_channel", "blacklisted")).toBe("blacklisted");
    expect(categoryOf("no_number_for_channel", undefined)).toBe("invalid_number");
    expect(categoryOf("invalid_request", null)).toBe("invalid_number");
    expect(categoryOf("submit_outcome_unknown", null)).toBe("unknown");
    expect(categoryOf("no_final_report", null)).toBe("unknown");
    expect(categoryOf("submit_result:13", null)).toBe("invalid_number");
    expect(categoryOf("submit_result:8", null)).toBe("rate_limited");
    expect(categoryOf("submit_result:200", null)).toBe("unknown");
    expect(categoryOf("submit_result:013", null)).toBe("unclassified");
    expect(categoryOf("MK:0001", undefined)).toBe("unclassified");
    expect(categoryOf("constructor", undefined)).toBe("unclassified");
    expect(consoleReasonCategory("toString")).toBeNull();
  });

  it("counts a message without a code by its state", () => {
    expect(categoryOf(null, undefined, "expired")).toBe("expired");
    expect(categoryOf("", undefined, "failed")).toBe("unknown");
    expect(categoryOf(null, undefined, "delivered")).toBe("delivered");
  });
});

describeEachDb("the classification in SQL", (t) => {
  beforeAll(async () => {
    await t.db.execute(sql`delete from receipt_codes where provider_id in ('china_mobile', 'jsms')`);
    await t.db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values
      ('china_mobile', 'UNDELIV', 'failed', 'handset_off'), ('china_mobile', 'submit_result:13', 'failed', 'blacklisted'), ('jsms', '4002', 'failed', 'blacklisted')`);
  });

  it("answers what the function answers, for every kind of code", async () => {
    const cases: [provider: string, code: string | null, status: string][] = [
      ["china_mobile", "UNDELIV", "failed"],
      ["jsms", "UNDELIV", "failed"],
      ["china_mobile", "submit_result:13", "failed"],
      ["china_unicom", "submit_result:13", "failed"],
      ["jsms", "4002", "failed"],
      ["jsms", "no_number_for_channel", "failed"],
      ["china_mobile", "invalid_request", "failed"],
      ["jsms", "submit_outcome_unknown", "unknown"],
      ["china_mobile", "no_final_report", "unknown"],
      ["china_mobile", "submit_result:013", "failed"],
      ["china_mobile", "submit_result:99999999999", "failed"],
      ["china_mobile", "it's odd", "failed"],
      ["china_mobile", null, "expired"],
      ["china_mobile", "", "failed"],
      ...Array.from({ length: 20 }, (_, n) => ["china_unicom", `submit_result:${n}`, "failed"] as [string, string, string]),
    ];
    for (const [provider, code, status] of cases) {
      const [row] = await executeRows<{ category: string }>(
        t.db,
        sql`select ${codeCategorySql(sql`${provider}::text`, sql`${code}::text`, sql`${status}::text`)} as category`,
      );
      expect(row!.category, `${provider} ${code}`).toBe(await classifyCode(t.db, provider, code, status));
    }
    expect(await classifyCode(t.db, "china_mobile", "UNDELIV")).toBe("handset_off");
    expect(await classifyCode(t.db, "china_mobile", "submit_result:13")).toBe("blacklisted");
    expect(await classifyCode(t.db, "china_unicom", "submit_result:13")).toBe("invalid_number");
    expect(await classifyCode(t.db, "china_mobile", "it's odd")).toBe("unclassified");
  });
});
