import { apiRoute, json } from "@/lib/api/handler";
import { listChannelReplies } from "@/lib/channels/channel-feedback";

export const GET = apiRoute<{ channelKey: string }>({ role: "viewer" }, async ({ runtime, params, req }) =>
  json(
    await listChannelReplies(runtime.db, params.channelKey, {
      cursor: req.nextUrl.searchParams.get("cursor") ?? undefined,
      limit: Number(req.nextUrl.searchParams.get("limit") ?? 20),
    }),
  ),
);
