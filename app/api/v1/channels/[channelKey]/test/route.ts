import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { channelKeyParam } from "@/lib/api/query-schemas";
import { testChannelConnection } from "@/lib/channels/test-connection";
import { channelContext } from "@/lib/server/runtime";

export const POST = apiRoute({ role: "admin", params: z.object({ channelKey: channelKeyParam }) }, async ({ runtime, actor, params }) =>
  json(await testChannelConnection({ ...channelContext(runtime), jsmsBaseUrl: runtime.env.jsmsBaseUrl }, actor, params.channelKey)),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
