import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** Console accounts. Roles are checked on the server for every page, action and route handler. */
export const operators = pgTable(
  "operators",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["admin", "operator", "viewer"] }).notNull(),
    disabled: boolean("disabled").notNull().default(false),
    /** Consecutive failed sign-ins; reset on success. Drives the lock-out below. */
    failedLogins: integer("failed_logins").notNull().default(0),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("operators_email_lower_idx").on(sql`lower(${t.email})`)],
);

/** REST API credentials: `keyId:secret` in HTTP Basic auth; only a SHA-256 of the secret is kept. */
export const apiKeys = pgTable("api_keys", {
  id: uuid("id").primaryKey().defaultRandom(),
  keyId: text("key_id").notNull().unique(),
  name: text("name").notNull(),
  secretHash: text("secret_hash").notNull(),
  role: text("role", { enum: ["admin", "operator", "viewer"] }).notNull(),
  createdBy: uuid("created_by").references(() => operators.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** "operator:<email>", "api_key:<keyId>" or "system". */
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target").notNull(),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("audit_log_at_idx").on(t.at)],
);

/**
 * SMS channels. `config` holds only what may be shown; `sealedSecrets` is an AES-256-GCM
 * envelope (lib/channels/secret-sealing.ts) and never leaves the server.
 */
export const channels = pgTable(
  "channels",
  {
  id: uuid("id").primaryKey().defaultRandom(),
  channelKey: text("channel_key").notNull().unique(),
  name: text("name").notNull(),
  type: text("type", { enum: ["jsms", "cmpp"] }).notNull(),
  enabled: boolean("enabled").notNull().default(true),
  config: jsonb("config").$type<Record<string, unknown>>().notNull(),
  sealedSecrets: text("sealed_secrets").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // Names are unique regardless of case: "Marketing" and "marketing" would confuse operators.
  (t) => [uniqueIndex("channels_name_lower_idx").on(sql`lower(${t.name})`)],
);

/**
 * One send request. Its foreign key to the channel is RESTRICT: a channel that ever sent
 * cannot be deleted (only disabled), so the history of what was sent keeps its channel.
 */
export const sends = pgTable(
  "sends",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "restrict" }),
    createdBy: text("created_by").notNull(),
    idempotencyKey: text("idempotency_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("sends_idempotency_key_idx").on(t.idempotencyKey)],
);
