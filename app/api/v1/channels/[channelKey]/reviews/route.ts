import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { channelKeyParam, noQuery } from "@/lib/api/query-schemas";
import { listChannelReviews } from "@/lib/channels/channel-feedback";

export const GET = apiRoute({ role: "viewer", params: z.object({ channelKey: channelKeyParam }), query: noQuery }, async ({ runtime, params }) =>
  json({ items: await listChannelReviews(runtime.db, params.channelKey) }),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
