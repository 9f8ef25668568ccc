import { testCmppConnection } from "@/lib/sender/cmpp/test-connection";
import { testJsmsConnection } from "@/lib/sender/jsms/client";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/actor";
import { loadChannelForSending, type ChannelContext } from "./channel-service";

export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number;
  detail: string;
}

/**
 * "Test connection" with a channel's stored settings: JSMS asks the account balance (a cheap
 * authenticated call), CMPP logs in to the gateway and out again. Failures are answers, not
 * errors: the operator reads the reason in words.
 */
export async function testChannelConnection(
  ctx: ChannelContext & { jsmsBaseUrl: string },
  actor: Actor,
  channelKey: string,
): Promise<ConnectionTestResult> {
  const { view, secrets } = await loadChannelForSending(ctx, channelKey);
  const result =
    view.type === "jsms"
      ? await testJsmsConnection(
          { appKey: secrets.appKey!, masterSecret: secrets.masterSecret! },
          { baseUrl: ctx.jsmsBaseUrl, timeoutMs: 10_000 },
        )
      : await testCmppConnection({
          host: view.config.host,
          port: view.config.port,
          account: view.config.account,
          password: secrets.password!,
          version: view.config.version,
          timeoutMs: 10_000,
        });
  await recordAudit(ctx.db, actor, "channel.test_connection", channelKey, { ok: result.ok, detail: result.detail });
  return { ok: result.ok, latencyMs: result.latencyMs, detail: result.detail };
}
