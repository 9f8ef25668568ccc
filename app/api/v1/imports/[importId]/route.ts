import { apiRoute, json } from "@/lib/api/handler";
import { getImport } from "@/lib/contacts/import-service";

export const GET = apiRoute<{ importId: string }>({ role: "viewer" }, async ({ runtime, params }) => json(await getImport(runtime.db, params.importId)));
