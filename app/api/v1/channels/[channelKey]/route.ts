import { apiRoute, json } from "@/lib/api/handler";
import { deleteChannel, getChannel, updateChannel } from "@/lib/channels/channel-service";
import { channelContext } from "@/lib/server/runtime";

type Params = { channelKey: string };

export const GET = apiRoute<Params>({ role: "viewer" }, async ({ runtime, params }) =>
  json(await getChannel(channelContext(runtime), params.channelKey)),
);

export const PATCH = apiRoute<Params>({ role: "admin" }, async ({ runtime, actor, params, json: body }) =>
  json(await updateChannel(channelContext(runtime), actor, params.channelKey, await body())),
);

export const DELETE = apiRoute<Params>({ role: "admin" }, async ({ runtime, actor, params }) => {
  await deleteChannel(channelContext(runtime), actor, params.channelKey);
  return new Response(null, { status: 204 });
});
