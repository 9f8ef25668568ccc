import { apiRoute } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { localeOfRequest } from "@/lib/i18n/request-locale";
import { startMessagesDownload } from "@/lib/messages/export/export-download";
import { messageExportQuerySchema } from "@/lib/messages/list/message-list-filter";

/**
 * ?format=csv|xlsx and the message list's filters: every matching message as a file, streamed.
 * The header row is in the requester's language; X-Total-Count announces the rows when the
 * counters know them, for the console's progress bar.
 */
export const GET = apiRoute({ role: "viewer", query: messageExportQuerySchema }, async ({ runtime, actor, query, req }) => {
  const { format, ...filter } = query;
  const download = await startMessagesDownload(runtime.db, actor, filter, format, { locale: localeOfRequest(req), signal: req.signal });
  const headers: Record<string, string> = {
    "content-type": download.contentType,
    "content-disposition": `attachment; filename="${download.fileName}"`,
    "cache-control": "no-store",
  };
  if (download.total !== null) headers["x-total-count"] = String(download.total);
  return new Response(download.body, { headers });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
