import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { uuidParam } from "@/lib/api/query-schemas";
import { resumeSend } from "@/lib/messages/send-controls";

/** Resumes a paused send and wakes idle dispatchers. Answers the send. */
export const POST = apiRoute({ role: "operator", params: z.object({ sendId: uuidParam }) }, async ({ runtime, actor, params }) =>
  json(await resumeSend(runtime.db, runtime.handle.kind, actor, params.sendId)),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
