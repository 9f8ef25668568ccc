import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { pageLimit, timeCursor } from "@/lib/api/query-schemas";
import { listImports } from "@/lib/contacts/import-service";

/** The import history, newest first: ?cursor= (the previous page's nextCursor), &limit=. */
export const GET = apiRoute({ role: "viewer", query: z.object({ cursor: timeCursor, limit: pageLimit(20) }) }, async ({ runtime, query }) =>
  json(await listImports(runtime.db, { before: query.cursor, limit: query.limit })),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
