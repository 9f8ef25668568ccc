import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery, uuidParam } from "@/lib/api/query-schemas";
import { errorReportWorkbook, xlsxResponse } from "@/lib/contacts/spreadsheets";
import { localeOfRequest } from "@/lib/i18n/request-locale";

/** The report is written in the downloading operator's language (cookie, else Accept-Language). */
export const GET = apiRoute({ role: "viewer", params: z.object({ importId: uuidParam }), query: noQuery }, async ({ runtime, actor, params, req }) =>
  xlsxResponse(await errorReportWorkbook(runtime.db, actor, params.importId, localeOfRequest(req)), `import-${params.importId}-errors.xlsx`),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
