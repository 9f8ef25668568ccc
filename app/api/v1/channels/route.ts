import { apiRoute, json } from "@/lib/api/handler";
import { createChannel, listChannels } from "@/lib/channels/channel-service";
import { channelContext } from "@/lib/server/runtime";

export const GET = apiRoute({ role: "viewer" }, async ({ runtime }) =>
  json({ items: await listChannels(channelContext(runtime)) }),
);

export const POST = apiRoute({ role: "admin" }, async ({ runtime, actor, json: body }) =>
  json(await createChannel(channelContext(runtime), actor, await body()), 201),
);
