import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { uuidParam } from "@/lib/api/query-schemas";
import { pauseSend } from "@/lib/messages/send-controls";

/** Pauses a sending send: dispatchers claim none of its messages until it is resumed. Answers the send. */
export const POST = apiRoute({ role: "operator", params: z.object({ sendId: uuidParam }) }, async ({ runtime, actor, params }) =>
  json(await pauseSend(runtime.db, actor, params.sendId)),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
