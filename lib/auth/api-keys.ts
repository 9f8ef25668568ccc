import crypto from "node:crypto";
import { desc, eq } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { apiKeys } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "./actor";
import { parseOrThrow } from "@/lib/util/zod";
import { apiKeyCreateSchema } from "./operator-schema";
import type { Role } from "./roles";
import { NotFoundError } from "@/lib/util/errors";

/**
 * API keys authenticate other systems: `Authorization: Basic base64(keyId:secret)`.
 * The secret is 32 random bytes, shown once; only its SHA-256 is stored. A fast hash is right
 * here (unlike passwords): the secret has full entropy, so there is nothing to brute-force.
 */
export interface ApiKeyView {
  keyId: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type ApiKeyRow = typeof apiKeys.$inferSelect;

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    keyId: row.keyId,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

function hashSecret(secret: string): string {
  return crypto.createHash("sha256").update(secret, "utf8").digest("hex");
}

export async function createApiKey(
  db: Db,
  actor: Actor,
  input: unknown,
): Promise<{ key: ApiKeyView; secret: string; credentials: string }> {
  const parsed = parseOrThrow(apiKeyCreateSchema, input);
  const keyId = "ak_" + crypto.randomBytes(8).toString("hex");
  const secret = crypto.randomBytes(32).toString("base64url");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        keyId,
        name: parsed.name,
        role: parsed.role,
        secretHash: hashSecret(secret),
        createdBy: actor.kind === "operator" ? actor.id : null,
      })
      .returning();
    await recordAudit(tx, actor, "api_key.create", keyId, { name: parsed.name, role: parsed.role });
    return { key: toView(row!), secret, credentials: `${keyId}:${secret}` };
  });
}

export async function listApiKeys(db: Db): Promise<ApiKeyView[]> {
  const rows = await db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
  return rows.map(toView);
}

export async function revokeApiKey(db: Db, actor: Actor, keyId: string): Promise<ApiKeyView> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(eq(apiKeys.keyId, keyId))
      .returning();
    if (!row) throw new NotFoundError("api_key_not_found", `No API key ${keyId}.`);
    await recordAudit(tx, actor, "api_key.revoke", keyId, { name: row.name, role: row.role });
    return toView(row);
  });
}

/** Parses `Basic base64(keyId:secret)`; null when the header is absent or not Basic. */
export function parseBasicAuth(header: string | null): { user: string; pass: string } | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 1) return null;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/** The actor for valid, unrevoked credentials; null otherwise. Compared in constant time. */
export async function authenticateApiKey(db: Db, keyId: string, secret: string): Promise<Actor | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.keyId, keyId));
  const expected = Buffer.from(row?.secretHash ?? "0".repeat(64), "hex");
  const given = Buffer.from(hashSecret(secret), "hex");
  const match = crypto.timingSafeEqual(expected, given);
  if (!row || !match || row.revokedAt) return null;
  // Last-used is advisory; don't let a write hold up the request, and don't rewrite it every call.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    void db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, row.id)).catch(() => {});
  }
  return { kind: "api_key", id: row.id, keyId: row.keyId, role: row.role };
}
