import { apiRoute } from "@/lib/api/handler";
import { errorReportWorkbook, xlsxResponse } from "@/lib/contacts/spreadsheets";

export const GET = apiRoute<{ importId: string }>({ role: "viewer" }, async ({ runtime, params }) =>
  xlsxResponse(await errorReportWorkbook(runtime.db, params.importId), `import-${params.importId}-errors.xlsx`),
);
