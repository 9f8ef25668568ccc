import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { SEND_BODY_MAX_BYTES } from "@/lib/messages/send-schema";
import { previewSend } from "@/lib/messages/send-service";

/** What POST /api/v1/messages would do with the same body, without sending: recipients, refused inputs, text and segments. */
export const POST = apiRoute({ role: "operator", maxBodyBytes: SEND_BODY_MAX_BYTES }, async ({ runtime, json: body }) =>
  json(await previewSend(runtime.db, await body())),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
