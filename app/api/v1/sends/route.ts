import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { pageLimit, sendCursor } from "@/lib/api/query-schemas";
import { listSends } from "@/lib/messages/send-queries";

/** Sends newest first: ?cursor= (the previous page's nextCursor), &limit= (1–200, 50). */
export const GET = apiRoute({ role: "viewer", query: z.object({ cursor: sendCursor, limit: pageLimit(50) }) }, async ({ runtime, query }) =>
  json(await listSends(runtime.db, { cursor: query.cursor, limit: query.limit })),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
