import { apiRoute, json } from "@/lib/api/handler";
import { testChannelConnection } from "@/lib/channels/test-connection";
import { channelContext } from "@/lib/server/runtime";

export const POST = apiRoute<{ channelKey: string }>({ role: "admin" }, async ({ runtime, actor, params }) =>
  json(await testChannelConnection({ ...channelContext(runtime), jsmsBaseUrl: runtime.env.jsmsBaseUrl }, actor, params.channelKey)),
);
