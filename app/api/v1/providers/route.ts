import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery } from "@/lib/api/query-schemas";
import { listProviders } from "@/lib/providers/provider-service";

/** {items:[{providerId, name, preset, kind, channels:[channelKey], codeCount}]}. */
export const GET = apiRoute({ role: "viewer", query: noQuery }, async ({ runtime }) => json({ items: await listProviders(runtime.db) }));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
