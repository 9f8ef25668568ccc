import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { uuidParam } from "@/lib/api/query-schemas";
import { resendSend } from "@/lib/messages/resend";
import { RESEND_BODY_MAX_BYTES, resendSendBodySchema } from "@/lib/messages/resend-schema";
import { parseOrThrow } from "@/lib/util/zod";

/**
 * Resends the send's failed, expired and unknown messages (or those of the states given) as a new
 * send, on its channel or `channelKey`: {channelKey?, states?, idempotencyKey?} (no body: all
 * three states, same channel) → 202 {sendId, created, resentFrom, audienceSize}. The same request
 * again answers the first resend (created false).
 */
export const POST = apiRoute(
  { role: "operator", params: z.object({ sendId: uuidParam }), maxBodyBytes: RESEND_BODY_MAX_BYTES },
  async ({ req, runtime, actor, params, json: body }) => {
    const input = parseOrThrow(resendSendBodySchema, req.body === null ? {} : await body());
    return json(await resendSend(runtime.db, { sendId: params.sendId, ...input, actor }), 202);
  },
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
