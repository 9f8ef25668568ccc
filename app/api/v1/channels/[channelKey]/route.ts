import { apiRoute, json } from "@/lib/api/handler";
import { deleteChannel, getChannel, updateChannel } from "@/lib/channels/channel-service";
import { channelContext } from "@/lib/server/runtime";
import { ValidationError } from "@/lib/util/errors";

type Params = { channelKey: string };

export const GET = apiRoute<Params>({ role: "viewer" }, async ({ runtime, params }) =>
  json(await getChannel(channelContext(runtime), params.channelKey)),
);

export const PATCH = apiRoute<Params>({ role: "admin" }, async ({ runtime, actor, params, json: body }) => {
  const patch = await body();
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new ValidationError("The body must be a JSON object of the fields to change.", []);
  }
  return json(await updateChannel(channelContext(runtime), actor, params.channelKey, patch as Record<string, unknown>));
});

export const DELETE = apiRoute<Params>({ role: "admin" }, async ({ runtime, actor, params }) => {
  await deleteChannel(channelContext(runtime), actor, params.channelKey);
  return new Response(null, { status: 204 });
});
