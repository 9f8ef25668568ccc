import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";

/**
 * A CMPP channel's "number of connections" is a limit for all dispatchers together: gateways
 * refuse (or lock the account) past it. Each connection needs a slot row; a dispatcher opens one
 * connection per slot it holds. A slot is free when nobody holds it or its holder's lease
 * (dispatcher_workers) has lapsed; taking it is one statement with SKIP LOCKED, so two
 * dispatchers never take the same slot.
 */
export async function takeConnectionSlots(db: Db, owner: string, channelId: string, total: number, want: number): Promise<number[]> {
  if (want <= 0 || total <= 0) return [];
  await db.execute(sql`insert into channel_connection_slots (channel_id, slot)
    select ${channelId}::uuid, g from generate_series(0, ${total - 1}::integer) g on conflict do nothing`);
  const rows = await executeRows<{ slot: number }>(
    db,
    sql`update channel_connection_slots s set owner = ${owner}, taken_at = now()
          from (
            select channel_id, slot from channel_connection_slots f
             where f.channel_id = ${channelId}::uuid and f.slot < ${total}::integer
               and (f.owner is null or f.owner = ${owner}
                    or not exists (select 1 from dispatcher_workers w where w.id = f.owner and w.lease_until >= now()))
             order by (f.owner = ${owner}) desc nulls last, f.slot
             limit ${want}::integer
             for update skip locked
          ) free
         where s.channel_id = free.channel_id and s.slot = free.slot
        returning s.slot`,
  );
  return rows.map((r) => r.slot).sort((a, b) => a - b);
}

export async function releaseConnectionSlots(db: Db, owner: string, channelId: string): Promise<void> {
  await db.execute(sql`update channel_connection_slots set owner = null, taken_at = null where owner = ${owner} and channel_id = ${channelId}::uuid`);
}

/** How many of a channel's slots other live dispatchers hold (for a fair share). */
export async function slotsHeldByOthers(db: Db, owner: string, channelId: string, total: number): Promise<number> {
  const [row] = await executeRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from channel_connection_slots s join dispatcher_workers w on w.id = s.owner
         where s.channel_id = ${channelId}::uuid and s.slot < ${total}::integer and s.owner <> ${owner} and w.lease_until >= now()`,
  );
  return row?.n ?? 0;
}
