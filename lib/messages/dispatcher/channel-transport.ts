import { eq } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channels } from "@/lib/db/schema";
import { unsealSecrets } from "@/lib/channels/secret-sealing";
import { sendSettingsOf, type SendSettings } from "@/lib/channels/send-settings";
import type { CmppChannelSettings } from "@/lib/sender/cmpp";

/**
 * A channel as the dispatcher needs it: its transport settings with the secrets unsealed (they
 * stay in this process's memory, never in a log line) and its send settings. `version` changes
 * whenever the channel is saved, so a lane notices an edited channel and reopens its transport.
 */
export type DispatchChannel =
  | { id: string; type: "cmpp"; enabled: boolean; version: string; send: SendSettings; cmpp: CmppChannelSettings }
  | { id: string; type: "jsms"; enabled: boolean; version: string; send: SendSettings; jsms: { appKey: string; masterSecret: string } };

export async function loadDispatchChannel(db: Db, sealKey: Buffer, channelId: string): Promise<DispatchChannel | null> {
  const [row] = await db.select().from(channels).where(eq(channels.id, channelId));
  if (!row) return null;
  const secrets = unsealSecrets(sealKey, row.id, row.sealedSecrets);
  const send = sendSettingsOf(row);
  const version = row.updatedAt.toISOString();
  if (row.type === "jsms") {
    return { id: row.id, type: "jsms", enabled: row.enabled, version, send, jsms: { appKey: secrets.appKey ?? "", masterSecret: secrets.masterSecret ?? "" } };
  }
  const c = row.config as Record<string, unknown>;
  return {
    id: row.id,
    type: "cmpp",
    enabled: row.enabled,
    version,
    send,
    cmpp: {
      provider: String(c.provider ?? "other"),
      host: String(c.host ?? ""),
      port: Number(c.port ?? 7890),
      account: String(c.account ?? ""),
      password: secrets.password ?? "",
      accessNumber: String(c.accessNumber ?? ""),
      connections: Number(c.connections ?? 1),
      version: c.version === "2.0" ? "2.0" : "3.0",
      serviceId: String(c.serviceId ?? ""),
      tpsPerConnection: Number(c.tpsPerConnection ?? 100),
    },
  };
}
