import crypto from "node:crypto";
import { expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel } from "@/lib/channels/channel-service";
import { getContact, getContactWithEffectiveNumbers, searchContacts } from "./contact-queries";
import { MAX_UMS_ITEMS, upsertUmsUsers } from "./ums-upsert";

const actor = SYSTEM_ACTOR("t");

describeEachDb("UMS user upsert", (t) => {
  let key = "";

  it("binds numbers to 'all' and to channel keys, normalising them", async () => {
    const channel = await createChannel({ db: t.db, sealKey: crypto.randomBytes(32), publicUrl: "http://x" }, SYSTEM_ACTOR("t"), {
      type: "jsms",
      name: "ums",
      appKey: "aa1066407b044738b6479275",
      masterSecret: "bb38ce69b1de2a7fa95706ea",
    });
    key = channel.channelKey;
    const result = await upsertUmsUsers(t.db, actor, [
      { userid: "zhangsan", phone: { all: "+86 138-0013-8000", [key]: 18756432567 } },
      { userid: "lisi", phone: { all: "0086 13900139000" } },
    ]);
    expect(result).toEqual({ inserted: 2, updated: 0, unchanged: 0, failed: [] });
    expect(await getContact(t.db, "zhangsan")).toEqual({ userid: "zhangsan", phones: { all: "13800138000", [key]: "18756432567" } });
  });

  it("reports each bad item with its index and path, and still writes the good ones", async () => {
    const result = await upsertUmsUsers(t.db, actor, [
      { userid: "wangwu", phone: { all: "12345" } },
      { userid: "zhaoliu", phone: { nosuchkey: "13800138000" } },
      { phone: { all: "13800138000" } },
      { userid: "lisi", phone: { all: "13900139001" } },
      "not an object",
      { userid: "tab\there", phone: { all: "13800138000" } },
      { userid: "\u0000", phone: { all: "13800138000" } },
      { userid: "长".repeat(64), phone: { all: "13800138001" } }, // 64 characters: allowed
    ]);
    expect(result.inserted).toBe(1);
    expect(result.updated).toBe(1);
    expect(result.failed.map((f) => [f.index, f.path])).toEqual([
      [0, "phone.all"],
      [1, "phone.nosuchkey"],
      [2, "userid"],
      [4, "(item)"],
      [5, "userid"],
      [6, "userid"],
    ]);
    expect(result.failed[4]!.message).toContain("control character");
    expect(result.failed[1]!.message).toContain("nosuchkey");
    await expect(getContact(t.db, "wangwu")).rejects.toMatchObject({ status: 404 });
  });

  it("removes a binding with del, and shows which number each channel would use", async () => {
    const result = await upsertUmsUsers(t.db, actor, [{ userid: "zhangsan", del: { phone: [key] } }]);
    expect(result).toMatchObject({ updated: 1, failed: [] });
    const user = await getContactWithEffectiveNumbers(t.db, "zhangsan");
    expect(user.phones).toEqual({ all: "13800138000" });
    expect(user.effective).toEqual([expect.objectContaining({ channelKey: key, phone: "13800138000", source: "all" })]);
  });

  it("refuses a body that is not an array, and more than the limit of items", async () => {
    await expect(upsertUmsUsers(t.db, actor, { userid: "x" })).rejects.toMatchObject({ status: 400 });
    const many = Array.from({ length: MAX_UMS_ITEMS + 1 }, (_, i) => ({ userid: `u${i}` }));
    await expect(upsertUmsUsers(t.db, actor, many)).rejects.toMatchObject({ status: 413, code: "too_many_items" });
  });

  it("searches by userid or phone prefix, a page at a time", async () => {
    await upsertUmsUsers(t.db, actor, Array.from({ length: 30 }, (_, i) => ({ userid: `bulk${String(i).padStart(2, "0")}`, phone: { all: `1370000${String(i).padStart(4, "0")}` } })));
    const first = await searchContacts(t.db, { q: "bulk", limit: 20 });
    expect(first.items).toHaveLength(20);
    const second = await searchContacts(t.db, { q: "bulk", limit: 20, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(10);
    expect(second.nextCursor).toBeNull();
    const byPhone = await searchContacts(t.db, { q: "1370000001" });
    expect(byPhone.items.map((u) => u.userid)).toEqual(Array.from({ length: 10 }, (_, i) => `bulk1${i}`));
    expect((await searchContacts(t.db, { q: "bulk_" })).items).toEqual([]);
  });

  it("pages through users matching by userid and by phone together, each user once", async () => {
    // "1399" matches the userids 1399a… and the phones of the mix… users, each on two bindings.
    await upsertUmsUsers(t.db, actor, [
      ...Array.from({ length: 7 }, (_, i) => ({ userid: `1399a${i}`, phone: { all: `1500000000${i}` } })),
      ...Array.from({ length: 8 }, (_, i) => ({ userid: `mix${i}`, phone: { all: `1399000000${i}`, [key]: `1399100000${i}` } })),
    ]);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await searchContacts(t.db, { q: "1399", limit: 4, cursor });
      seen.push(...page.items.map((u) => u.userid));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...Array.from({ length: 7 }, (_, i) => `1399a${i}`), ...Array.from({ length: 8 }, (_, i) => `mix${i}`)]);
    const mix = (await searchContacts(t.db, { q: "13991000003" })).items;
    expect(mix).toEqual([{ userid: "mix3", phones: { all: "13990000003", [key]: "13991000003" } }]);
  });
});
