/**
 * The session object Auth.js answers at GET /api/auth/session is the one the server reads through
 * auth(), and it carries the id of the operator's session row (lib/auth/auth.ts). The console's
 * pages never fetch it, and script in a page must not be able to read a live session's handle:
 * the cookie that holds it is HttpOnly for that reason. This answers the same session without it.
 */
export async function withoutSessionRowId(response: Response): Promise<Response> {
  if (!response.ok || !(response.headers.get("content-type") ?? "").includes("application/json")) return response;
  const session: unknown = await response.json();
  if (session !== null && typeof session === "object" && "sessionId" in session) delete (session as { sessionId?: unknown }).sessionId;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(session), { status: response.status, statusText: response.statusText, headers });
}
