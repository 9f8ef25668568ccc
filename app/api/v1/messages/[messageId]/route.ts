import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { bigintIdParam, noQuery } from "@/lib/api/query-schemas";
import { getMessage } from "@/lib/messages/send-queries";

/** One message with its events (oldest first) and segments. */
export const GET = apiRoute({ role: "viewer", params: z.object({ messageId: bigintIdParam }), query: noQuery }, async ({ runtime, params }) =>
  json(await getMessage(runtime.db, params.messageId)),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
