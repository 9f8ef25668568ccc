import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";
import { withoutSessionRowId } from "@/lib/auth/public-session";

export const { POST } = handlers;

/**
 * Auth.js's own routes. Its session answer (GET /api/auth/session) is the object the server reads
 * through auth(), which holds the id of the operator's session row; that id is kept out of what a
 * page's script can read (see withoutSessionRowId).
 */
export async function GET(req: NextRequest): Promise<Response> {
  const response = await handlers.GET(req);
  if (!req.nextUrl.pathname.endsWith("/session")) return response;
  return withoutSessionRowId(response);
}
