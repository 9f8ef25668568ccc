import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@/lib/db/client";
import type { JsmsSandbox } from "@/lib/sender/jsms";
import { drainJsmsCallbacks, isJsmsCallbackChannel, receiveJsmsCallback, type CallbackAnswer } from "../../jsms-callback-intake";
import { countsOnSendAndRows, waitFor } from "./dispatch-fixtures";

export interface JsmsCallbackReceiver {
  /** `http://127.0.0.1:port`; a channel's callback URL is this plus `/api/jsms/callback/{channelKey}`. */
  base: string;
  urlFor(channelKey: string): string;
  close(): Promise<void>;
}

/**
 * What a test may do with the intake's answer before it is sent: return a status to answer
 * instead (a proxy losing the console's 200), or nothing to send the answer as it is.
 */
export type AnswerOverride = (channelKey: string, answer: CallbackAnswer) => number | undefined;

/**
 * The console's callback route reduced to what it does, over real HTTP for the sandbox to post
 * to: the echostr check on GET, and the form handed to the same intake the route uses.
 */
export async function startJsmsCallbackReceiver(
  ctx: { db: Db; sealKey: Buffer },
  override?: AnswerOverride,
): Promise<JsmsCallbackReceiver> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://callback");
    const key = url.pathname.split("/").pop() ?? "";
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        if (req.method === "GET") {
          const ok = await isJsmsCallbackChannel(ctx.db, key);
          res.writeHead(ok ? 200 : 404, { "content-type": "text/plain" }).end(ok ? (url.searchParams.get("echostr") ?? "") : "");
          return;
        }
        const answer = await receiveJsmsCallback(ctx, key, new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
        const instead = override?.(key, answer);
        if (instead !== undefined) {
          res.writeHead(instead).end();
          return;
        }
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
      })().catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    urlFor: (channelKey) => `${base}/api/jsms/callback/${channelKey}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Until every message of the send is answered by JSMS, and every callback posted and applied. */
export async function settleJsmsSend(db: Db, sandbox: JsmsSandbox, sendId: string, timeoutMs = 20_000): Promise<void> {
  await waitFor("the send's batches to be answered", async () => {
    const { rows } = await countsOnSendAndRows(db, sendId);
    return rows.queued + rows.submitting === 0;
  }, timeoutMs);
  await sandbox.settleCallbacks();
  await drainJsmsCallbacks(db);
}
