import { apiRoute, json } from "@/lib/api/handler";
import { listChannelReviews } from "@/lib/channels/channel-feedback";

export const GET = apiRoute<{ channelKey: string }>({ role: "viewer" }, async ({ runtime, params }) =>
  json({ items: await listChannelReviews(runtime.db, params.channelKey) }),
);
