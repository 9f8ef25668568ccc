import { sql, type SQL } from "drizzle-orm";
import { REASON_NO_NUMBER } from "./message-state";

/**
 * The number rule of a send, written once for every audience that names users: the number bound
 * to the send's channel, else the user's `all` number, else none (the message fails as
 * `no_number_for_channel`).
 */
export function numberForChannel(userid: SQL, channelKey: string): { joins: SQL; phone: SQL } {
  return {
    joins: sql`left join contact_phones bound on bound.userid = ${userid} and bound.bind_id = ${channelKey}
        left join contact_phones fallback on fallback.userid = ${userid} and fallback.bind_id = 'all'`,
    phone: sql`coalesce(bound.phone, fallback.phone)`,
  };
}

export interface RecipientTarget {
  id: string;
  channelId: string;
  segmentsPerMessage: number;
}

/**
 * The `ins` and `evented` CTEs that turn the CTE `resolved` (userid, phone or null, in `orderBy`)
 * into the target send's messages: queued with a number, failed without one (with its `created`
 * event, so the timeline says why). `ins` returns (id, status) for the caller's counts.
 */
export function insertRecipientMessages(target: RecipientTarget, orderBy: SQL): SQL {
  return sql`ins as (
      insert into messages (send_id, channel_id, userid, phone, status, segments, error_code, done_at)
      select ${target.id}::uuid, ${target.channelId}::uuid, r.userid, coalesce(r.phone, ''),
             case when r.phone is null then 'failed' else 'queued' end, ${target.segmentsPerMessage}::int,
             case when r.phone is null then ${REASON_NO_NUMBER}::text end, case when r.phone is null then now() end
        from resolved r order by ${orderBy}
      returning id, status
    ), evented as (
      insert into message_events (message_id, kind, code)
      select id, 'created', ${REASON_NO_NUMBER}::text from ins where status = 'failed'
      returning 1
    )`;
}
