import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { uuidParam } from "@/lib/api/query-schemas";
import { cancelSend } from "@/lib/messages/send-controls";

/** Cancels the send: its messages not yet submitted become cancelled. Answers the send. */
export const POST = apiRoute({ role: "operator", params: z.object({ sendId: uuidParam }) }, async ({ runtime, actor, params }) =>
  json(await cancelSend(runtime.db, actor, params.sendId)),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
