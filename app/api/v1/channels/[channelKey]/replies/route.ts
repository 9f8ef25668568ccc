import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { channelKeyParam, idCursor, pageLimit } from "@/lib/api/query-schemas";
import { listChannelReplies } from "@/lib/channels/channel-feedback";

/** Replies from phones, newest first: ?cursor= (the previous page's nextCursor), &limit=. */
export const GET = apiRoute(
  {
    role: "viewer",
    params: z.object({ channelKey: channelKeyParam }),
    query: z.object({ cursor: idCursor, limit: pageLimit(20) }),
  },
  async ({ runtime, params, query }) => json(await listChannelReplies(runtime.db, params.channelKey, query)),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
