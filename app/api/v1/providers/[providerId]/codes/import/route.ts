import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { importDictionary } from "@/lib/providers/dictionary-import";
import { readDictionaryUpload } from "@/lib/providers/dictionary-upload";
import { importQuery, providerParams } from "@/lib/providers/rest-schemas";

/**
 * Multipart `file` (.xlsx or .csv, at most 2 MB) and `mode` (field or query: `replace` or `merge`,
 * default merge) → {mode, rows, added, changed, removed, unchanged}. 400 with a detail per bad
 * row and column (`rows[3].category`) and nothing applied when any row is bad.
 */
export const POST = apiRoute({ role: "admin", params: providerParams, query: importQuery }, async ({ runtime, actor, params, query, req }) => {
  const upload = await readDictionaryUpload(req);
  return json(await importDictionary(runtime.db, params.providerId, upload, query.mode, actor));
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
