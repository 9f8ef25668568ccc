// The console's HTTP server: Next.js behind a thin Node server of our own, for two things that
// `next start` cannot do. (1) The client address: Next keeps an X-Forwarded-For that the client
// sent itself, so a per-address sign-in limit could be dodged by inventing one. Here the address
// is taken from the socket, or from the X-Forwarded-For hops of TRUST_PROXY proxies in front, and
// handed on in a header that no client can set (any copy it sends is dropped). (2) A request
// answered before its body was read (an upload over the size limit) closes the connection, so
// the client stops sending at once instead of streaming the rest into a drained socket.
//   node scripts/server.mjs [-p PORT] [-H HOST]
import http from "node:http";
import { parseArgs } from "node:util";
import next from "next";
import { root } from "./ensure-build.mjs";

export const CLIENT_ADDRESS_HEADER = "x-sms-console-client";

const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } } });
const port = Number(values.port ?? process.env.PORT ?? 3000);
const hostname = values.hostname;
const trustedHops = /^\d+$/.test(process.env.TRUST_PROXY ?? "") ? Number(process.env.TRUST_PROXY) : 0;

/** The address TRUST_PROXY hops back from the socket; the socket itself when no proxy is trusted. */
function clientAddress(req) {
  const socketAddress = (req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
  if (trustedHops === 0) return socketAddress;
  const forwarded = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, socketAddress];
  return chain[Math.max(0, chain.length - 1 - trustedHops)];
}

const app = next({ dev: false, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req);
  res.on("finish", () => {
    // Answered while the client is still sending (413 on an upload): stop taking its bytes.
    if (!req.complete) req.socket.destroySoon();
  });
  void handle(req, res);
});
server.listen(port, hostname, () => {
  console.log(`SMS console listening on http://${hostname ?? "localhost"}:${port}`);
});
