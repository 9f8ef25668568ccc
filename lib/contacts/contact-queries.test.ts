import { expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { describeEachDb } from "@/lib/db/test-databases";
import { getContact, getContactWithEffectiveNumbers, searchContacts } from "./contact-queries";
import { upsertUmsUsers } from "./ums-upsert";

// These are reached from the console's pages as well as from the REST routes, so they refuse what
// PostgreSQL would refuse with an error themselves.
describeEachDb("contact queries, given text no userid can be", (t) => {
  it("answer 404 for a userid with a NUL or past 64 characters, as for an unknown one", async () => {
    for (const userid of ["a\u0000", "x".repeat(10_000), " padded "]) {
      await expect(getContact(t.db, userid)).rejects.toMatchObject({ status: 404, code: "user_not_found" });
      await expect(getContactWithEffectiveNumbers(t.db, userid)).rejects.toMatchObject({ status: 404, code: "user_not_found" });
    }
  });

  it("answer 400 invalid_query to a search text, cursor or limit that cannot be one", async () => {
    await upsertUmsUsers(t.db, SYSTEM_ACTOR("test"), [{ userid: "q-1", phone: { all: "13800000001" } }]);
    for (const [options, path] of [
      [{ q: "\u0000" }, "q"],
      [{ cursor: "\u0000" }, "cursor"],
      [{ limit: 1.5 }, "limit"],
      [{ limit: Number.NaN }, "limit"],
    ] as const) {
      await expect(searchContacts(t.db, options)).rejects.toMatchObject({ status: 400, code: "invalid_query", details: [expect.objectContaining({ path })] });
    }
    expect((await searchContacts(t.db, { q: "q-", limit: 500 })).items.map((u) => u.userid)).toEqual(["q-1"]);
  });
});
