import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { getSeries } from "@/lib/messages/stats/series";
import { seriesQuerySchema } from "@/lib/messages/stats/stats-query";

/** ?from=&to=&channelKey=&timeZone=: chart buckets per channel (minute, hour or day by the range's length). */
export const GET = apiRoute({ role: "viewer", query: seriesQuerySchema }, async ({ runtime, query }) => json(await getSeries(runtime.db, query)));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
