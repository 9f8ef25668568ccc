import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery } from "@/lib/api/query-schemas";
import { createOperator, listOperators } from "@/lib/auth/operators";

export const GET = apiRoute({ role: "admin", query: noQuery }, async ({ runtime }) => json({ items: await listOperators(runtime.db) }));

export const POST = apiRoute({ role: "admin" }, async ({ runtime, actor, json: body }) =>
  json(await createOperator(runtime.db, actor, await body()), 201),
);

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET, POST });
