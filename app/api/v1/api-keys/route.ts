import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery } from "@/lib/api/query-schemas";
import { createApiKey, listApiKeys } from "@/lib/auth/api-keys";

export const GET = apiRoute({ role: "admin", query: noQuery }, async ({ runtime }) => json({ items: await listApiKeys(runtime.db) }));

/** The secret is in this answer only; it is stored hashed and cannot be shown again. */
export const POST = apiRoute({ role: "admin" }, async ({ runtime, actor, json: body }) =>
  json(await createApiKey(runtime.db, actor, await body()), 201),
);

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET, POST });
