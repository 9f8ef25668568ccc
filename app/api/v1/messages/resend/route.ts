import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { resendMessages } from "@/lib/messages/resend";
import { RESEND_BODY_MAX_BYTES, resendMessagesBodySchema } from "@/lib/messages/resend-schema";

/**
 * Resends the messages a list filter matches, in the chosen final states: {filter, channelKey?,
 * states?, idempotencyKey?} → 202 {resends:[{sendId, created, resentFrom, audienceSize}]}, one new
 * send per earlier send the messages belong to (each keeps its own content).
 */
export const POST = apiRoute({ role: "operator", maxBodyBytes: RESEND_BODY_MAX_BYTES }, async ({ runtime, actor, parse }) => {
  const input = await parse(resendMessagesBodySchema);
  return json(await resendMessages(runtime.db, { ...input, actor }), 202);
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
