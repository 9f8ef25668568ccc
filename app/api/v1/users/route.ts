import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { pageLimit, searchText, useridCursor } from "@/lib/api/query-schemas";
import { searchContacts } from "@/lib/contacts/contact-queries";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";

/** Server-side search: ?q= (userid or phone prefix), &cursor=, &limit=. */
export const GET = apiRoute(
  { role: "viewer", query: z.object({ q: searchText, cursor: useridCursor, limit: pageLimit(50) }) },
  async ({ runtime, query }) => json(await searchContacts(runtime.db, query)),
);

/** The UMS upsert: [{userid, phone:{bindId: number}}, …], at most 1000 items. */
export const POST = apiRoute({ role: "operator", maxBodyBytes: 2 * 1024 * 1024 }, async ({ runtime, actor, json: body }) =>
  json(await upsertUmsUsers(runtime.db, actor, await body())),
);

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET, POST });
