import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { idCursor, messageStatusQuery, pageLimitUpTo, phoneQuery, useridQuery, uuidQuery } from "@/lib/api/query-schemas";
import { listMessages } from "@/lib/messages/send-queries";
import { MAX_MESSAGE_PAGE, SEND_BODY_MAX_BYTES } from "@/lib/messages/send-schema";
import { createSend } from "@/lib/messages/send-service";

/** Messages newest first: ?sendId=&status=&phone=&userid=&cursor=&limit= (1–500, 50). */
export const GET = apiRoute(
  {
    role: "viewer",
    query: z.object({
      sendId: uuidQuery,
      status: messageStatusQuery,
      phone: phoneQuery,
      userid: useridQuery,
      cursor: idCursor,
      limit: pageLimitUpTo(50, MAX_MESSAGE_PAGE, "errors.message_limit_range"),
    }),
  },
  async ({ runtime, query }) =>
    json(
      await listMessages(runtime.db, {
        sendId: query.sendId,
        status: query.status,
        phone: query.phone,
        userid: query.userid,
        before: query.cursor === undefined ? undefined : BigInt(query.cursor),
        limit: query.limit,
      }),
    ),
);

/** A send: {channelKey, userids | phones | audience:"everyone", text | template, idempotencyKey?} → 202 {sendId, accepted, rejected}. */
export const POST = apiRoute({ role: "operator", maxBodyBytes: SEND_BODY_MAX_BYTES }, async ({ runtime, actor, json: body }) =>
  json(await createSend(runtime.db, actor, await body()), 202),
);

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET, POST });
