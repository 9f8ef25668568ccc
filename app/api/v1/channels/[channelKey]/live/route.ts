import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { channelKeyParam, noQuery } from "@/lib/api/query-schemas";
import { readChannelLive } from "@/lib/messages/live/live-queries";

/**
 * The channel's live figures, merged over every console and worker process (the cockpit polls
 * it every 2 s; see lib/messages/live/README.md). A read counts as "the cockpit is open", which
 * keeps a JSMS channel's balance fresh in this process meanwhile.
 */
export const GET = apiRoute({ role: "viewer", params: z.object({ channelKey: channelKeyParam }), query: noQuery }, async ({ runtime, params }) => {
  const response = json(await readChannelLive(runtime.db, params.channelKey, { viewing: true }));
  response.headers.set("cache-control", "no-store");
  return response;
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
