import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery, uuidParam } from "@/lib/api/query-schemas";
import { errorReportWorkbook, xlsxResponse } from "@/lib/contacts/spreadsheets";

export const GET = apiRoute({ role: "viewer", params: z.object({ importId: uuidParam }), query: noQuery }, async ({ runtime, actor, params }) =>
  xlsxResponse(await errorReportWorkbook(runtime.db, actor, params.importId), `import-${params.importId}-errors.xlsx`),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
