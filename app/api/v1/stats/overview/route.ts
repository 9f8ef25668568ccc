import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { getOverview } from "@/lib/messages/stats/overview";
import { overviewQuerySchema } from "@/lib/messages/stats/stats-query";

/** ?from=&to=: messages created in the range (default the last 24 hours), in total and per channel. */
export const GET = apiRoute({ role: "viewer", query: overviewQuerySchema }, async ({ runtime, query }) => json(await getOverview(runtime.db, query)));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
