import { apiRoute } from "@/lib/api/handler";
import { templateWorkbook, xlsxResponse } from "@/lib/contacts/spreadsheets";

export const GET = apiRoute({ role: "viewer" }, async ({ runtime }) => xlsxResponse(await templateWorkbook(runtime.db), "users-template.xlsx"));
