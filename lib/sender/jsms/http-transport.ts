/**
 * One HTTP exchange with a JSMS endpoint over a keep-alive connection pool.
 *
 * node:http/https rather than fetch: the agent is ours (pool size, idle sockets, and `close()` ends
 * them, so tests and short-lived "test connection" clients leave no sockets behind), and the
 * deadline covers the whole exchange, not only socket inactivity.
 */
import http from "node:http";
import https from "node:https";
import { JsmsError, type ExchangeStage } from "@/lib/sender/jsms/errors";

export interface HttpTransportOptions {
  baseUrl: string;
  timeoutMs: number;
  maxSockets: number;
  /** Answers larger than this are cut off: a JSMS answer is at most a few hundred kilobytes. */
  maxResponseBytes?: number;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

const IDLE_SOCKET_MS = 4_000;

const STAGE_ORDER: readonly ExchangeStage[] = ["connecting", "sending", "sent", "answering"];

/** Stages only move forward: a late 'connect' must not undo 'finish'. */
function advance(current: ExchangeStage, next: ExchangeStage): ExchangeStage {
  return STAGE_ORDER.indexOf(next) > STAGE_ORDER.indexOf(current) ? next : current;
}

export class HttpTransport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;

  constructor(private readonly options: HttpTransportOptions) {
    this.base = new URL(options.baseUrl);
    if (this.base.protocol !== "http:" && this.base.protocol !== "https:") {
      throw new TypeError(`JSMS base URL must be http(s): ${options.baseUrl}`);
    }
    // Idle pooled sockets close after IDLE_SOCKET_MS, before common server keep-alive timeouts (5 s
    // for Node, 60–75 s for nginx): a send written to a socket the server is closing at that moment
    // would fail after its body left, and its outcome would be unknown.
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, keepAliveMsecs: 15_000, timeout: IDLE_SOCKET_MS };
    this.client = this.base.protocol === "https:" ? https : http;
    this.agent = this.base.protocol === "https:" ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** The base URL without a trailing slash, for messages. */
  get origin(): string {
    return this.base.href.replace(/\/+$/, "");
  }

  /**
   * Rejects with a `JsmsError` whose `outcome` says whether the request may have reached the server:
   * "not_sent" while the body had not been handed to the operating system in full (the request's
   * 'finish' event), "unknown" after it, or once an answer started to arrive.
   */
  request(method: "GET" | "POST", path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    // Keep any path prefix of the base URL (a reverse proxy may mount JSMS under /jsms).
    const url = new URL(this.base.pathname.replace(/\/+$/, "") + path, this.base);
    const target = `${method} ${url.href}`;
    const limit = this.options.maxResponseBytes ?? 8 * 1024 * 1024;
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      let stage: ExchangeStage = "connecting";
      const finish = (error: JsmsError | null, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (error) reject(error);
        else resolve(answer as HttpAnswer);
      };
      const req = this.client.request(url, {
        method,
        agent: this.agent,
        headers: body === undefined ? headers : { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
      });
      const deadline = setTimeout(() => {
        // Decided one turn later: after the event loop was held (the embedded database runs on this
        // thread), this timer can fire in the same turn as an answer already waiting on the socket,
        // and timers run before sockets are read. An immediate runs after they are, so an answer
        // that came in time is taken, not reported as a timeout with an unknown outcome.
        setImmediate(() => {
          if (settled) return;
          finish(JsmsError.timeout(target, this.options.timeoutMs, stage));
          req.destroy();
        });
      }, this.options.timeoutMs);
      req.on("socket", (socket) => {
        // A pooled socket is connected already; a new one is not until 'connect'.
        if (!socket.connecting) stage = advance(stage, "sending");
        else socket.once("connect", () => (stage = advance(stage, "sending")));
      });
      // Emitted once the last byte of the body has been handed to the operating system.
      req.on("finish", () => (stage = advance(stage, "sent")));
      req.on("error", (error) => finish(JsmsError.network(error, target, stage)));
      req.on("response", (res) => {
        stage = "answering";
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            finish(JsmsError.badResponse(res.statusCode ?? 0, `answer larger than ${limit} bytes`));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", (error) => finish(JsmsError.network(error, target, stage)));
        // A connection cut mid-answer must not leave the promise hanging until the deadline.
        res.on("close", () => {
          if (!res.complete) finish(JsmsError.network(new Error("connection closed before the answer was complete"), target, stage));
        });
        res.on("end", () => finish(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      });
      req.end(body);
    });
  }

  /** Ends the connection pool, in-flight requests included: call it when the client is done. */
  close(): void {
    this.agent.destroy();
  }
}
