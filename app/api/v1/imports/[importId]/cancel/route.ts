import { apiRoute, json } from "@/lib/api/handler";
import { requestImportCancel } from "@/lib/contacts/import-service";

export const POST = apiRoute<{ importId: string }>({ role: "operator" }, async ({ runtime, actor, params }) =>
  json(await requestImportCancel(runtime.db, actor, params.importId)),
);
