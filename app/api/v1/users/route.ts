import { apiRoute, json } from "@/lib/api/handler";
import { searchContacts } from "@/lib/contacts/contact-queries";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";

/** Server-side search: ?q= (userid or phone prefix), &cursor=, &limit=. */
export const GET = apiRoute({ role: "viewer" }, async ({ runtime, req }) => {
  const params = req.nextUrl.searchParams;
  return json(
    await searchContacts(runtime.db, {
      q: params.get("q") ?? undefined,
      cursor: params.get("cursor") ?? undefined,
      limit: Number(params.get("limit") ?? 50),
    }),
  );
});

/** The UMS upsert: [{userid, phone:{bindId: number}}, …], at most 1000 items. */
export const POST = apiRoute({ role: "operator", maxBodyBytes: 2 * 1024 * 1024 }, async ({ runtime, json: body }) =>
  json(await upsertUmsUsers(runtime.db, await body())),
);
