import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery } from "@/lib/api/query-schemas";
import { createChannel, listChannels } from "@/lib/channels/channel-service";
import { channelContext } from "@/lib/server/runtime";

export const GET = apiRoute({ role: "viewer", query: noQuery }, async ({ runtime }) =>
  json({ items: await listChannels(channelContext(runtime)) }),
);

export const POST = apiRoute({ role: "admin" }, async ({ runtime, actor, json: body }) =>
  json(await createChannel(channelContext(runtime), actor, await body()), 201),
);

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET, POST });
