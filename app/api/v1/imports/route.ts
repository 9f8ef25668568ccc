import { apiRoute, json } from "@/lib/api/handler";
import { listImports } from "@/lib/contacts/import-service";

/** The import history, newest first: ?cursor= (the previous page's nextCursor), &limit=. */
export const GET = apiRoute({ role: "viewer" }, async ({ runtime, req }) =>
  json(await listImports(runtime.db, { before: req.nextUrl.searchParams.get("cursor") ?? undefined, limit: Number(req.nextUrl.searchParams.get("limit") ?? 20) })),
);
