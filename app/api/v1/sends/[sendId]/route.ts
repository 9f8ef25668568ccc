import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery, uuidParam } from "@/lib/api/query-schemas";
import { getSend } from "@/lib/messages/send-queries";

/** One send and its progress, read from its own row. */
export const GET = apiRoute({ role: "viewer", params: z.object({ sendId: uuidParam }), query: noQuery }, async ({ runtime, params }) =>
  json(await getSend(runtime.db, params.sendId)),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
