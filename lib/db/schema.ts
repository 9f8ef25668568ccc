import { sql } from "drizzle-orm";
import {
  customType,
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { ReasonParams } from "../i18n/reason";

/** A header problem of a failed import as stored (lib/contacts/import/import-file-error.ts HeaderProblem). */
export interface StoredHeaderProblem {
  column: string;
  message: string;
  key: string;
  params?: ReasonParams;
}

/**
 * Text compared byte by byte (COLLATE "C"): identifiers and phone numbers have no linguistic
 * order, "C" comparisons are the cheapest for the millions of index entries an import writes,
 * and a plain btree on a "C" column also serves LIKE 'prefix%' searches.
 */
const byteText = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

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

/**
 * Console sign-in sessions. The session cookie carries only the id; every request checks the row
 * (not revoked, not idle too long), so signing out or disabling an operator ends it at once.
 */
export const operatorSessions = pgTable(
  "operator_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    operatorId: uuid("operator_id")
      .notNull()
      .references(() => operators.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Touched at most once a minute by the requests of this session; drives the idle expiry. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    address: text("address"),
    userAgent: text("user_agent"),
  },
  (t) => [index("operator_sessions_operator_idx").on(t.operatorId)],
);

/**
 * Failed attempts per client address (sign-in and first-run setup), counted atomically in SQL so
 * parallel guesses cannot slip past the limit. `key` is e.g. "sign_in:203.0.113.7".
 */
export const authThrottle = pgTable("auth_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull().defaultNow(),
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
});

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
    /** "operator:<email>", "api_key:<keyId>" or "system:<label>". */
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target").notNull(),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
    /** The client address the action came from; null for the system's own actions. */
    address: text("address"),
  },
  (t) => [
    index("audit_log_at_idx").on(t.at),
    index("audit_log_actor_at_idx").on(t.actor, t.at),
    index("audit_log_action_at_idx").on(t.action, t.at),
  ],
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

/** Counters of a send's messages by state, kept in the same statement as the state changes. */
const stateCounters = {
  queuedCount: integer("queued_count").notNull().default(0),
  submittingCount: integer("submitting_count").notNull().default(0),
  submittedCount: integer("submitted_count").notNull().default(0),
  deliveredCount: integer("delivered_count").notNull().default(0),
  failedCount: integer("failed_count").notNull().default(0),
  expiredCount: integer("expired_count").notNull().default(0),
  unknownCount: integer("unknown_count").notNull().default(0),
  cancelledCount: integer("cancelled_count").notNull().default(0),
};

/**
 * One send request. Its foreign key to the channel is RESTRICT: a channel that ever sent
 * cannot be deleted (only disabled), so the history of what was sent keeps its channel.
 * Status: preparing (the audience is being turned into messages in the background) → sending →
 * done; paused and cancelled by an operator. The counters are changed in the same statement as
 * the message states they count (lib/messages/message-state.ts), so reading a send's progress
 * never scans its messages.
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
    /** SHA-256 of the request as parsed: the same key with another body is refused (409). */
    requestHash: text("request_hash"),
    status: text("status", { enum: ["preparing", "sending", "paused", "done", "cancelled"] }).notNull().default("preparing"),
    /** `{text}` for CMPP (the signature already applied) or `{template:{id, params, signId}}` for JSMS. */
    content: jsonb("content").$type<Record<string, unknown>>().notNull().default({}),
    /** Who it goes to, as asked: `{kind:"userids", values}`, `{kind:"phones", values}` or `{kind:"everyone"}`. */
    audience: jsonb("audience").$type<Record<string, unknown>>().notNull().default({}),
    /** Recipients as asked (before numbers are resolved); `total` counts the messages made so far. */
    audienceSize: integer("audience_size").notNull().default(0),
    /** Inputs refused when the send was made (`[{recipient, reason}]`), answered again for a repeated idempotency key. */
    rejected: jsonb("rejected").$type<Array<{ recipient: string; reason: string }>>().notNull().default([]),
    total: integer("total").notNull().default(0),
    ...stateCounters,
    /** Messages with at least one attempt whose outcome is unknown. */
    uncertainCount: integer("uncertain_count").notNull().default(0),
    segmentsPerMessage: integer("segments_per_message").notNull().default(1),
    /** The background job that materialises the audience holds the send with a lease. */
    leaseOwner: text("lease_owner"),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    /** How far materialisation got (the last userid done), so a new owner resumes there. */
    prepareCursor: text("prepare_cursor"),
    /** A resend: the send whose failed, expired or unknown messages this one sends again. */
    resentFrom: uuid("resent_from"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("sends_idempotency_key_idx").on(t.idempotencyKey),
    index("sends_created_idx").on(t.createdAt, t.id),
    index("sends_resent_from_idx").on(t.resentFrom).where(sql`${t.resentFrom} is not null`),
    index("sends_preparing_idx").on(t.createdAt).where(sql`${t.status} = 'preparing'`),
    // The dispatcher's look for work: sends that are sending, per channel.
    index("sends_sending_idx").on(t.channelId, t.createdAt).where(sql`${t.status} = 'sending'`),
    // Cancelled sends whose queued messages are still being cancelled in the background.
    index("sends_cancelling_idx").on(t.id).where(sql`${t.status} = 'cancelled' and ${t.queuedCount} > 0`),
  ],
);

/**
 * One message per recipient of a send. `providerMessageId` is the JSMS msg_id or the first CMPP
 * Msg_Id (16 hex digits), always text: never a JS number; every part's id is in message_segments.
 * States: queued → submitting (claimed by a dispatcher) → submitted → delivered | failed | expired,
 * `unknown` after the report deadline, `cancelled` before submit. `uncertain`: an attempt's
 * outcome is unknown, so a copy may have reached the handset.
 *
 * No foreign keys on messages and the tables hanging off them (segments, events): a per-row
 * referential check on every message of a million-recipient send, and on every event and part
 * after it, costs about 40 % of preparing the send (measured). The keys' promises are kept by the
 * code that writes them: messages are made only by the send preparer from an existing send (and
 * sends are never deleted; a channel that sent is protected by sends' own key), and segments and
 * events only by lib/messages for messages it holds. Old months are archived by detaching
 * messages, segments and events together.
 */
export const messages = pgTable(
  "messages",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    sendId: uuid("send_id").notNull(),
    channelId: uuid("channel_id").notNull(),
    userid: text("userid"),
    phone: text("phone").notNull(),
    status: text("status").notNull().default("queued"),
    providerMessageId: text("provider_message_id"),
    segments: integer("segments").notNull().default(1),
    attempts: integer("attempts").notNull().default(0),
    uncertain: boolean("uncertain").notNull().default(false),
    errorCode: text("error_code"),
    errorCategory: text("error_category"),
    /** The dispatcher (dispatcher_workers.id) holding this message while it is `submitting`. */
    claimedBy: text("claimed_by"),
    /** A queued message is not claimed before this (backoff after flow control or rate limits). */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    /** A submitted message with no final report by then becomes `unknown`. */
    reportDeadlineAt: timestamp("report_deadline_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    doneAt: timestamp("done_at", { withTimezone: true }),
  },
  (t) => [
    index("messages_send_id_idx").on(t.sendId, t.id),
    // Also the dispatcher's queue: a send's queued messages in order.
    index("messages_send_status_idx").on(t.sendId, t.status, t.id),
    index("messages_claimed_idx").on(t.claimedBy).where(sql`${t.status} = 'submitting'`),
    index("messages_report_deadline_idx").on(t.reportDeadlineAt).where(sql`${t.status} = 'submitted'`),
    index("messages_phone_idx").on(t.phone, t.id),
    index("messages_userid_idx").on(t.userid, t.id),
    // The list filtered by raw code: only messages that failed carry one, so the index stays small.
    index("messages_error_code_idx").on(t.errorCode, t.id).where(sql`${t.errorCode} is not null`),
  ],
);

/**
 * The parts of a message as submitted: one row per segment (a JSMS message has one), with the
 * provider's id. Receipts are matched here on (channel, provider id, phone): many gateways report
 * every number of a multi-destination SUBMIT under one Msg_Id.
 */
export const messageSegments = pgTable(
  "message_segments",
  {
    messageId: bigint("message_id", { mode: "bigint" }).notNull(),
    part: integer("part").notNull(),
    channelId: uuid("channel_id").notNull(),
    phone: text("phone").notNull(),
    providerMessageId: text("provider_message_id").notNull(),
    /** submitted | accepted (an intermediate report) | delivered | failed | expired */
    status: text("status").notNull().default("submitted"),
    code: text("code"),
    category: text("category"),
    doneAt: timestamp("done_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.part] }), index("message_segments_provider_idx").on(t.channelId, t.providerMessageId)],
);

/** Every submit answer and receipt for a message, raw, for the message timeline and loss analysis. */
export const messageEvents = pgTable(
  "message_events",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    messageId: bigint("message_id", { mode: "bigint" }).notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    kind: text("kind").notNull(),
    /** The segment the event is about (1-based), null for the whole message. */
    part: integer("part"),
    code: text("code"),
    category: text("category"),
    raw: jsonb("raw").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("message_events_message_idx").on(t.messageId, t.id)],
);

/**
 * JSMS callbacks as received, stored before the 200 so none is lost, then applied. The signature
 * covers only nonce and timestamp, so the unique (channel, nonce, timestamp) is the replay guard:
 * a replay with re-cased signature hex or other `data` is a no-op. The signature is stored in
 * lower case. A row that keeps failing to apply is set aside with its error after a few tries.
 */
export const jsmsCallbacks = pgTable(
  "jsms_callbacks",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    nonce: text("nonce").notNull(),
    /** Milliseconds since the epoch, as sent (rows stored before this column: "legacy-<id>"). */
    timestamp: text("timestamp").notNull(),
    signature: text("signature").notNull(),
    type: text("type").notNull(),
    data: text("data").notNull(),
    appliedAt: timestamp("applied_at", { withTimezone: true }),
    outcome: text("outcome"),
    /** Failed attempts to apply this row; at the limit it is set aside. */
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    setAsideAt: timestamp("set_aside_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("jsms_callbacks_replay_idx").on(t.channelId, t.nonce, t.timestamp),
    index("jsms_callbacks_pending_idx").on(t.receivedAt).where(sql`${t.appliedAt} is null and ${t.setAsideAt} is null`),
  ],
);

/**
 * Receipts whose message we do not know (yet): a report can overtake the submit answer that
 * carries the provider's id. They are applied when the message gets that id.
 */
export const unmatchedReceipts = pgTable(
  "unmatched_receipts",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    providerMessageId: text("provider_message_id").notNull(),
    phone: text("phone"),
    code: text("code").notNull(),
    category: text("category").notNull(),
    final: boolean("final").notNull(),
    reportedAt: timestamp("reported_at", { withTimezone: true }),
    raw: jsonb("raw").$type<Record<string, unknown>>().notNull().default({}),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("unmatched_receipts_key_idx").on(t.channelId, t.providerMessageId, sql`coalesce(${t.phone}, '')`, t.code)],
);

/**
 * CMPP status reports kept before the gateway is told we have them (DELIVER_RESP): a gateway never
 * sends an acknowledged report again, so one acknowledged and then lost with its process would be
 * gone. A cheap insert (no counters, no locks shared between processes) is what the answer waits
 * for; the receipt writer then applies it and deletes the row in one transaction, and a row left by
 * a process that died is applied by any dispatcher's sweep.
 */
export const receiptInbox = pgTable(
  "receipt_inbox",
  {
    id: uuid("id").primaryKey(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    receipt: jsonb("receipt").$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("receipt_inbox_received_idx").on(t.receivedAt)],
);

/**
 * CMPP submit outcomes kept before the lane frees their window place: once a SUBMIT_RESP's outcome
 * is here, a crash cannot make the console send that message again. A cheap insert (no counters, no
 * locks shared between processes) is what the place waits for; the outcome writer then applies it
 * and deletes the row in one transaction. A dead process's rows are applied by whoever takes its
 * claims back, in the same transaction (worker-lease.ts), or by any dispatcher's sweep.
 */
export const outcomeInbox = pgTable(
  "outcome_inbox",
  {
    id: uuid("id").primaryKey(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    /** The dispatcher whose claim the outcome settles: it applies only while that claim holds. */
    owner: text("owner").notNull(),
    outcome: jsonb("outcome").$type<Record<string, unknown>>().notNull(),
    keptAt: timestamp("kept_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("outcome_inbox_owner_idx").on(t.owner), index("outcome_inbox_kept_idx").on(t.keptAt)],
);

/**
 * Replies (MO messages) from phones, per channel. One row per (channel, phone, reply time,
 * content): a reply callback retried under a new nonce stores nothing new.
 */
export const replies = pgTable(
  "replies",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    phone: text("phone").notNull(),
    content: text("content").notNull(),
    repliedAt: timestamp("replied_at", { withTimezone: true }),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("replies_channel_received_idx").on(t.channelId, t.receivedAt),
    uniqueIndex("replies_dedup_idx").on(t.channelId, t.phone, t.repliedAt, sql`md5(${t.content})`),
  ],
);

/** Jiguang's review results for a channel's templates and signatures (SMS_TEMPLATE / SMS_SIGN callbacks). */
export const channelReviews = pgTable(
  "channel_reviews",
  {
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["template", "sign"] }).notNull(),
    ref: text("ref").notNull(),
    status: text("status", { enum: ["approved", "rejected"] }).notNull(),
    refuseReason: text("refuse_reason"),
    reviewedAt: timestamp("reviewed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.kind, t.ref] })],
);

/** The UMS "users": people identified by the enterprise's own userid. */
export const contacts = pgTable("contacts", {
  // Byte-ordered, so prefix search by userid uses the primary key.
  userid: byteText("userid").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A user's phone per binding: `bindId` is a channelKey, or "all" for the number used on every
 * channel without its own. Sending on channel K uses the K binding, else "all".
 */
export const contactPhones = pgTable(
  "contact_phones",
  {
    // No foreign key to contacts: a per-row RI check on millions of imported bindings costs more
    // than the import itself. lib/contacts/contact-writer.ts writes the user with its bindings.
    userid: byteText("userid").notNull(),
    bindId: byteText("bind_id").notNull(),
    phone: byteText("phone").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userid, t.bindId] }),
    // Prefix search by phone on the Users page.
    index("contact_phones_phone_idx").on(t.phone),
  ],
);

/** One upload (console or REST): its file, progress and counts. Claimed by a worker with a lease. */
export const imports = pgTable(
  "imports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    status: text("status", { enum: ["queued", "running", "done", "failed", "cancelled"] }).notNull().default("queued"),
    dryRun: boolean("dry_run").notNull().default(false),
    fileName: text("file_name").notNull(),
    fileKind: text("file_kind", { enum: ["xlsx", "csv"] }).notNull(),
    filePath: text("file_path").notNull(),
    fileSize: bigint("file_size", { mode: "number" }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    /** The runner that holds the lease; every write of a running import checks it. */
    leaseOwner: text("lease_owner"),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    totalRows: integer("total_rows"),
    processedRows: integer("processed_rows").notNull().default(0),
    inserted: integer("inserted").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    failedRows: integer("failed_rows").notNull().default(0),
    warnings: integer("warnings").notNull().default(0),
    errorCode: text("error_code"),
    /** English, for systems (REST `error`). */
    error: text("error"),
    /** The same as a catalogue key (`importErrors.*`) and its values, for the operator's language; null on rows from before they were stored. */
    errorKey: text("error_key"),
    errorParams: jsonb("error_params").$type<ReasonParams>(),
    /** Header problems, one by one: `{column, message, key, params}`. */
    errorDetails: jsonb("error_details").$type<StoredHeaderProblem[]>(),
  },
  (t) => [index("imports_status_idx").on(t.status, t.createdAt), index("imports_created_idx").on(t.createdAt)],
);

/** Row errors and warnings of an import, for its error report. */
export const importIssues = pgTable(
  "import_issues",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    importId: uuid("import_id")
      .notNull()
      .references(() => imports.id, { onDelete: "cascade" }),
    rowNumber: integer("row_number").notNull(),
    column: text("column").notNull(),
    value: text("value").notNull(),
    /** English, for systems; the report shows reason_key translated when there is one. */
    reason: text("reason").notNull(),
    reasonKey: text("reason_key"),
    reasonParams: jsonb("reason_params").$type<ReasonParams>(),
    severity: text("severity", { enum: ["error", "warning"] }).notNull(),
  },
  (t) => [index("import_issues_import_idx").on(t.importId, t.rowNumber)],
);

/**
 * Dispatcher processes. A worker's row is its lease: renewed on a timer; the messages it claimed
 * (messages.claimed_by) and the connection slots it holds are its own while the lease lasts, and
 * are taken back by any other worker once it lapses (the worker crashed or lost the database).
 */
export const dispatcherWorkers = pgTable("dispatcher_workers", {
  id: text("id").primaryKey(),
  /** "web" (inside the console server) or "worker" (npm run worker). */
  kind: text("kind").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  leaseUntil: timestamp("lease_until", { withTimezone: true }).notNull(),
  lastClaimAt: timestamp("last_claim_at", { withTimezone: true }),
  /**
   * The process as its kernel knows it (boot id, pid namespace, pid; lib/util/host-process.ts), or
   * null where that cannot be read: a dispatcher on the same kernel and namespace can then tell
   * that the process is gone and end its lease at once, instead of waiting for it to lapse.
   */
  hostProcess: text("host_process"),
});

/**
 * Which of a dispatcher's claims on a CMPP channel may have reached the gateway: the messages it
 * has handed to its connections, or is about to, written before the connections get them
 * (lib/messages/dispatcher/handoff-log.ts). When the dispatcher dies, its other claims certainly
 * never left and go back to the queue as they were, instead of being sent again as `uncertain`
 * (or made `unknown` where the channel does not resend). One row per dispatcher and channel,
 * rewritten whole; it goes with the dispatcher's lease row.
 */
export const dispatcherHandoffs = pgTable(
  "dispatcher_handoffs",
  {
    workerId: text("worker_id")
      .notNull()
      .references(() => dispatcherWorkers.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    messageIds: bigint("message_ids", { mode: "bigint" }).array().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workerId, t.channelId] })],
);

/**
 * A CMPP channel's connections, as numbered slots: a worker opens one connection per slot it
 * holds, so all workers together never open more than the channel's "number of connections".
 */
export const channelConnectionSlots = pgTable(
  "channel_connection_slots",
  {
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    slot: integer("slot").notNull(),
    /** dispatcher_workers.id of the holder; free when null or when the holder's lease lapsed. */
    owner: text("owner"),
    takenAt: timestamp("taken_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.slot] })],
);

/**
 * SMS providers: the carrier or aggregator behind a CMPP channel (presets: China Mobile, China
 * Unicom, China Telecom, Other), and JSMS. Each has its own receipt-code dictionary. Preset ids are
 * the words the REST API has always accepted (`china_mobile`, …); a provider added by name gets a
 * generated id. Channels name their provider in `config.provider`.
 */
export const providers = pgTable(
  "providers",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** "cmpp" or "jsms": which kind of channel it serves, and so which seed codes it starts with. */
    kind: text("kind", { enum: ["cmpp", "jsms"] }).notNull(),
    preset: boolean("preset").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("providers_name_lower_idx").on(sql`lower(${t.name})`)],
);

/**
 * A provider's receipt-code dictionary: raw code (CMPP Stat, JSMS report status, API error) →
 * outcome and failure category, with a description in both languages. The loss analysis joins it
 * when reading, so an edit re-classifies past messages without rewriting them.
 */
export const receiptCodes = pgTable(
  "receipt_codes",
  {
    providerId: text("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    /** delivered | failed | pending (not final, e.g. ACCEPTD). */
    outcome: text("outcome", { enum: ["delivered", "failed", "pending"] }).notNull(),
    /** The failure category (lib/sender/outcome.ts); "delivered" for delivered, "unknown" for pending. */
    category: text("category").notNull(),
    descriptionEn: text("description_en").notNull().default(""),
    descriptionZh: text("description_zh").notNull().default(""),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text("updated_by"),
  },
  (t) => [primaryKey({ columns: [t.providerId, t.code] })],
);

/**
 * Message counts per channel, per minute and per hour of the messages' creation, by state and raw
 * code: how many messages made in that bucket are now in that state with that code. Kept by the
 * statement triggers on messages (drizzle/0007_dashboard.sql) in the same statement as every
 * insert and state change, so the dashboard reads sums of a few thousand rows, never
 * count(*) over messages. `code` is '' for none. `lastMessageId` is the newest message that
 * entered the cell: the example the unclassified-codes list links to.
 */
export const messageStats = pgTable(
  "message_stats",
  {
    grain: text("grain", { enum: ["minute", "hour"] }).notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    channelId: uuid("channel_id").notNull(),
    status: text("status").notNull(),
    code: text("code").notNull().default(""),
    n: bigint("n", { mode: "number" }).notNull().default(0),
    lastMessageId: bigint("last_message_id", { mode: "bigint" }),
  },
  (t) => [primaryKey({ columns: [t.grain, t.bucket, t.channelId, t.status, t.code] })],
);

/** The same counts per send (state × raw code), for one send's loss analysis. */
export const sendStats = pgTable(
  "send_stats",
  {
    sendId: uuid("send_id").notNull(),
    status: text("status").notNull(),
    code: text("code").notNull().default(""),
    n: bigint("n", { mode: "number" }).notNull().default(0),
    lastMessageId: bigint("last_message_id", { mode: "bigint" }),
  },
  (t) => [primaryKey({ columns: [t.sendId, t.status, t.code] })],
);

/**
 * What each process's dispatcher and callback route see live, per channel: connections, windows,
 * rates, latencies, API and callback counts (a JSON snapshot written every few seconds). The
 * channel cockpit sums the rows of live processes, so it works when the web process does not send.
 */
export const channelLiveStats = pgTable(
  "channel_live_stats",
  {
    processId: text("process_id").notNull(),
    channelId: uuid("channel_id").notNull(),
    snapshot: jsonb("snapshot").$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.processId, t.channelId] }), index("channel_live_stats_channel_idx").on(t.channelId, t.updatedAt)],
);
