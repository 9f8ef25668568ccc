import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { channelKeyParam, noQuery } from "@/lib/api/query-schemas";
import { deleteChannel, getChannel, updateChannel } from "@/lib/channels/channel-service";
import { channelContext } from "@/lib/server/runtime";

const params = z.object({ channelKey: channelKeyParam });

export const GET = apiRoute({ role: "viewer", params, query: noQuery }, async ({ runtime, params }) =>
  json(await getChannel(channelContext(runtime), params.channelKey)),
);

export const PATCH = apiRoute({ role: "admin", params }, async ({ runtime, actor, params, json: body }) =>
  json(await updateChannel(channelContext(runtime), actor, params.channelKey, await body())),
);

export const DELETE = apiRoute({ role: "admin", params }, async ({ runtime, actor, params }) => {
  await deleteChannel(channelContext(runtime), actor, params.channelKey);
  return new Response(null, { status: 204 });
});

export const { POST, PUT, OPTIONS } = otherMethods({ GET, PATCH, DELETE });
