import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { createImport } from "@/lib/contacts/import-service";
import { receiveUpload } from "@/lib/contacts/upload";
import { wakeImportRunner } from "@/lib/server/lifecycle";

/** Multipart field `file` (.xlsx or .csv) and optional `dryRun=true` → 202 {importId}; parsed in the background. */
export const POST = apiRoute({ role: "operator" }, async ({ runtime, actor, req }) => {
  const upload = await receiveUpload(req, { dataDir: runtime.env.dataDir, maxBytes: runtime.env.importMaxBytes });
  const created = await createImport(runtime.db, actor, upload);
  wakeImportRunner();
  return json({ importId: created.importId, status: created.status }, 202);
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
