import { apiRoute, json } from "@/lib/api/handler";
import { createOperator, listOperators } from "@/lib/auth/operators";

export const GET = apiRoute({ role: "admin" }, async ({ runtime }) => json({ items: await listOperators(runtime.db) }));

export const POST = apiRoute({ role: "admin" }, async ({ runtime, actor, json: body }) =>
  json(await createOperator(runtime.db, actor, await body()), 201),
);
