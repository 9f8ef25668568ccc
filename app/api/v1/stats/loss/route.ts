import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { getLoss } from "@/lib/messages/stats/loss";
import { lossQuerySchema } from "@/lib/messages/stats/stats-query";

/** ?channelKey=&provider=&sendId=&from=&to=: failed, expired and unknown messages by category, code, channel and provider. */
export const GET = apiRoute({ role: "viewer", query: lossQuerySchema }, async ({ runtime, query }) => json(await getLoss(runtime.db, query)));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
