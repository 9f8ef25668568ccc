import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery, uuidParam } from "@/lib/api/query-schemas";
import { getImport } from "@/lib/contacts/import-service";

export const GET = apiRoute({ role: "viewer", params: z.object({ importId: uuidParam }), query: noQuery }, async ({ runtime, params }) =>
  json(await getImport(runtime.db, params.importId)),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
