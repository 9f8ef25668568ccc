/**
 * The client address of a request, as scripts/server.mjs found it (the socket, or the hops of
 * TRUST_PROXY proxies in front): never a header the client chose. "unknown" when the console runs
 * without that server (tests, `next dev`); all such requests then share one address limit.
 */
export const CLIENT_ADDRESS_HEADER = "x-sms-console-client";

export function clientAddressOf(headers: Pick<Headers, "get">): string {
  const value = headers.get(CLIENT_ADDRESS_HEADER)?.trim();
  return value && value.length <= 64 ? value : "unknown";
}
