import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";

/**
 * Writes users and their phone bindings in bulk: one statement per batch, whatever its size.
 * Used by the file import and the UMS JSON upsert alike, so both count the same way:
 *   inserted  — a userid that did not exist;
 *   updated   — an existing userid whose bindings changed;
 *   unchanged — an existing userid whose bindings were already as given.
 * A phone left out leaves that binding as it is; `remove` deletes bindings.
 */
export interface ContactChange {
  userid: string;
  /** bindId ("all" or a channelKey) → normalised phone. */
  phones: Record<string, string>;
  /** bindIds whose binding is removed. */
  remove?: string[];
}

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** The same userid twice in one batch: merged in order, so the later value of each binding wins. */
export function mergeChanges(changes: ContactChange[]): ContactChange[] {
  // The usual batch (an import's: one row per user, nothing removed) is already merged.
  const seen = new Set<string>();
  let plain = true;
  for (const change of changes) {
    if (seen.has(change.userid) || (change.remove && change.remove.length > 0)) {
      plain = false;
      break;
    }
    seen.add(change.userid);
  }
  if (plain) return changes;
  const merged = new Map<string, { phones: Map<string, string>; remove: Set<string> }>();
  for (const change of changes) {
    let entry = merged.get(change.userid);
    if (!entry) merged.set(change.userid, (entry = { phones: new Map(), remove: new Set() }));
    for (const bindId of change.remove ?? []) {
      entry.phones.delete(bindId);
      entry.remove.add(bindId);
    }
    for (const [bindId, phone] of Object.entries(change.phones)) {
      entry.remove.delete(bindId);
      entry.phones.set(bindId, phone);
    }
  }
  return [...merged].map(([userid, e]) => ({ userid, phones: Object.fromEntries(e.phones), remove: [...e.remove] }));
}

const NO_WRITES: WriteCounts = { inserted: 0, updated: 0, unchanged: 0 };

function addCounts(a: WriteCounts, b: WriteCounts): WriteCounts {
  return { inserted: a.inserted + b.inserted, updated: a.updated + b.updated, unchanged: a.unchanged + b.unchanged };
}

/**
 * Writes batches over several connections at once (PostgreSQL; PGlite has one). Users are split
 * by a hash of their userid into lanes, and each lane is a queue: a user's changes always take the
 * same lane and run in order, so the later of two rows for one user wins even across batches.
 * A lane starts on the next batch as soon as it is free rather than when the slowest lane of
 * the previous batch is done, which keeps both cores of a small server busy. Measured here, for a
 * first import of 1,000,000 users: 1 lane 31 s, 2 lanes waiting for each other 22 s, 2 queued
 * lanes 16 s.
 */
export function createLaneWriter(db: Db, options: { lanes: number } & WriteOptions) {
  const lanes = Math.max(1, options.lanes);
  const tails: Promise<unknown>[] = Array.from({ length: lanes }, () => Promise.resolve());
  return {
    /** Resolves with the batch's counts once every lane has written its share of it. */
    write(changes: ContactChange[]): Promise<WriteCounts> {
      const parts: ContactChange[][] = Array.from({ length: lanes }, () => []);
      for (const change of changes) parts[laneOf(change.userid, lanes)]!.push(change);
      const written = parts.map((part, i) => {
        const result = tails[i]!.then(() => (part.length ? writeContacts(db, part, options) : NO_WRITES));
        tails[i] = result.catch(() => {}); // the caller sees the failure through `result`
        return result;
      });
      return Promise.all(written).then((counts) => counts.reduce(addCounts, NO_WRITES));
    },
    /** Resolves when everything queued so far has finished, failed or not. */
    async settled(): Promise<void> {
      await Promise.all(tails);
    },
  };
}

function laneOf(userid: string, lanes: number): number {
  if (lanes === 1) return 0;
  let hash = 0;
  for (let i = 0; i < userid.length; i++) hash = (hash * 31 + userid.charCodeAt(i)) | 0;
  return Math.abs(hash) % lanes;
}

class DryRunRollback extends Error {
  constructor(readonly counts: WriteCounts) {
    super("dry run");
  }
}

export interface WriteOptions {
  /** Do the work, count it, roll it back. */
  dryRun?: boolean;
  /**
   * Commit without waiting for the WAL flush (`synchronous_commit = off` for this statement only):
   * for imports alone, where it is safe. WAL is flushed in order, so the import's progress row,
   * committed synchronously after each batch, makes every earlier batch durable with it; and an
   * import interrupted by a crash starts again from its first row, its writes being idempotent.
   * A crash can thus lose nothing an import has reported. Measured here: 1,000,000 rows 7–10 %
   * faster. REST upserts answer their caller, so they keep the default.
   */
  deferCommitFlush?: boolean;
}

export async function writeContacts(db: Db, changes: ContactChange[], options: WriteOptions = {}): Promise<WriteCounts> {
  const merged = mergeChanges(changes);
  if (merged.length === 0) return NO_WRITES;
  if (!options.dryRun) return writeMerged(db, merged, options.deferCommitFlush ?? false);
  // A dry run does the same work and rolls it back, so its counts are the real ones.
  try {
    await db.transaction(async (tx) => {
      throw new DryRunRollback(await writeMerged(tx, merged, false));
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.counts;
    throw error;
  }
  throw new Error("unreachable");
}

/**
 * A text[] literal, `{"a","b"}`: one parameter whatever the batch size, portable across
 * postgres.js and PGlite, and cheaper to build and to parse than JSON or thousands of bound values.
 */
export function textArrayLiteral(values: readonly string[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) out += ",";
    out += '"' + (v.includes('"') || v.includes("\\") ? v.replace(/["\\]/g, "\\$&") : v) + '"';
  }
  return out + "}";
}

async function writeMerged(db: Db, merged: ContactChange[], deferCommitFlush: boolean): Promise<WriteCounts> {
  const users: string[] = [];
  const setUser: string[] = [];
  const setBind: string[] = [];
  const setPhone: string[] = [];
  const delUser: string[] = [];
  const delBind: string[] = [];
  for (const change of merged) {
    users.push(change.userid);
    for (const bindId in change.phones) {
      setUser.push(change.userid);
      setBind.push(bindId);
      setPhone.push(change.phones[bindId]!);
    }
    for (const bindId of change.remove ?? []) {
      delUser.push(change.userid);
      delBind.push(bindId);
    }
  }
  // `ins` returns exactly the users this statement created: a concurrent writer of the same new
  // userid waits on our row and then finds it there. Those users cannot have bindings yet (every
  // binding is written here, with its user), so theirs are plain inserts; only existing users
  // go through ON CONFLICT, whose speculative insertion costs an extra index probe and WAL record
  // per row. That halves the work of a first import, the large case.
  const [row] = await executeRows<{ inserted: number; updated: number }>(db, sql`
    with s as (select * from unnest(${textArrayLiteral(setUser)}::text[], ${textArrayLiteral(setBind)}::text[], ${textArrayLiteral(setPhone)}::text[]) as s(userid, bind_id, phone)),
    d as (select * from unnest(${textArrayLiteral(delUser)}::text[], ${textArrayLiteral(delBind)}::text[]) as d(userid, bind_id)),
    ins as (
      insert into contacts (userid) select unnest(${textArrayLiteral(users)}::text[])
      on conflict do nothing returning userid
    ),
    fresh as (insert into contact_phones (userid, bind_id, phone) select userid, bind_id, phone from s where userid in (select userid from ins)),
    up as (
      insert into contact_phones (userid, bind_id, phone) select userid, bind_id, phone from s where userid not in (select userid from ins)
      on conflict (userid, bind_id) do update set phone = excluded.phone, updated_at = now()
       where contact_phones.phone is distinct from excluded.phone
      returning userid
    ),
    del as (delete from contact_phones p using d where p.userid = d.userid and p.bind_id = d.bind_id returning p.userid),
    changed as (select userid from up union select userid from del),
    -- = any(array(…)): an index probe per changed user, never a scan of all users.
    touched as (update contacts set updated_at = now() where userid = any(array(select userid from changed)) returning 1)
    select (select count(*) from ins)::int as inserted, (select count(*) from touched)::int as updated${
      // Local to this statement's own transaction, and read when it commits.
      deferCommitFlush ? sql`, set_config('synchronous_commit', 'off', true) as deferred` : sql``
    }`);
  const inserted = Number(row!.inserted);
  const updated = Number(row!.updated);
  return { inserted, updated, unchanged: merged.length - inserted - updated };
}
