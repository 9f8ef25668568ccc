import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { messageListQuerySchema } from "@/lib/messages/list/message-list-filter";
import { listMessagePage } from "@/lib/messages/list/message-list-query";
import { SEND_BODY_MAX_BYTES } from "@/lib/messages/send-schema";
import { createSend } from "@/lib/messages/send-service";

/**
 * Messages newest first: ?sendId=&status=&phone=&userid=&channelKey=&provider=&category=&code=&from=&to=&cursor=&limit=
 * (1–500, 50); the filters are lib/messages/list/message-list-filter.ts.
 */
export const GET = apiRoute({ role: "viewer", query: messageListQuerySchema }, async ({ runtime, query }) => {
  const { cursor, limit, ...filter } = query;
  return json(await listMessagePage(runtime.db, filter, { cursor, limit }));
});

/** A send: {channelKey, userids | phones | audience:"everyone", text | template, idempotencyKey?} → 202 {sendId, accepted, rejected}. */
export const POST = apiRoute({ role: "operator", maxBodyBytes: SEND_BODY_MAX_BYTES }, async ({ runtime, actor, json: body }) =>
  json(await createSend(runtime.db, actor, await body()), 202),
);

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET, POST });
