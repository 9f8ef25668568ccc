import crypto from "node:crypto";
import type { NextRequest } from "next/server";
import { apiRoute, errorResponse, type RouteContext } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery } from "@/lib/api/query-schemas";
import { bearerTokenOf, metricsTokenMatches } from "@/lib/metrics/metrics-auth";
import { METRICS_CONTENT_TYPE, renderMetrics } from "@/lib/metrics/prometheus-metrics";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { UnauthorizedError } from "@/lib/util/errors";

/**
 * Prometheus' scrape: an admin API key (Basic, as every REST call), or `Authorization: Bearer
 * $METRICS_TOKEN` when that variable is set. Figures for every process: lib/metrics/README.md.
 */
export const dynamic = "force-dynamic";

async function metrics(runtime: Runtime): Promise<Response> {
  return new Response(await renderMetrics(runtime.db), { status: 200, headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
}

const withApiKey = apiRoute({ role: "admin", query: noQuery }, async ({ runtime }) => metrics(runtime));

export async function GET(req: NextRequest, route?: RouteContext): Promise<Response> {
  const token = bearerTokenOf(req.headers.get("authorization"));
  if (token === null) return withApiKey(req, route);
  const requestId = crypto.randomUUID();
  try {
    const runtime = await getRuntime();
    if (!metricsTokenMatches(token, runtime.env.metricsToken)) throw new UnauthorizedError("The metrics token is wrong, or no METRICS_TOKEN is set.");
    const response = await metrics(runtime);
    response.headers.set("x-request-id", requestId);
    return response;
  } catch (error) {
    return errorResponse(error, requestId, req);
  }
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
