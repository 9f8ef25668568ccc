import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { uuidParam } from "@/lib/api/query-schemas";
import { requestImportCancel } from "@/lib/contacts/import-service";

export const POST = apiRoute({ role: "operator", params: z.object({ importId: uuidParam }) }, async ({ runtime, actor, params }) =>
  json(await requestImportCancel(runtime.db, actor, params.importId)),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
