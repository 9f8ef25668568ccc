import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { auditLogQuerySchema, listAuditLog } from "@/lib/audit-log-queries";

/** ?actor=&action=&from=&to=&cursor=&limit=: the audit log, newest first (admins only). */
export const GET = apiRoute({ role: "admin", query: auditLogQuerySchema }, async ({ runtime, query }) =>
  json(await listAuditLog(runtime.db, query)),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
