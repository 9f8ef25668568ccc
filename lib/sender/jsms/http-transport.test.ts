import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { HttpTransport } from "./http-transport";

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** Holds this thread for `ms`, as a long synchronous statement of the embedded database does. */
function holdThread(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it("takes an answer that arrived in time although the thread was held past the deadline before reading it", async () => {
  const baseUrl = await serve((_req, res) => {
    res.end('{"msg_id":"1"}');
    // The answer is on the socket; the thread is then held past the client's deadline.
    setImmediate(() => holdThread(250));
  });
  const transport = new HttpTransport({ baseUrl, timeoutMs: 100, maxSockets: 1 });
  closers.push(() => transport.close());
  await expect(transport.request("POST", "/v1/messages", {}, "{}")).resolves.toEqual({ status: 200, text: '{"msg_id":"1"}' });
});

it("still times out when no answer comes", async () => {
  const baseUrl = await serve(() => {});
  const transport = new HttpTransport({ baseUrl, timeoutMs: 100, maxSockets: 1 });
  closers.push(() => transport.close());
  await expect(transport.request("POST", "/v1/messages", {}, "{}")).rejects.toMatchObject({ code: "timeout" });
});
