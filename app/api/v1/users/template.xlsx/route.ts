import { apiRoute } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery } from "@/lib/api/query-schemas";
import { templateWorkbook, xlsxResponse } from "@/lib/contacts/spreadsheets";

export const GET = apiRoute({ role: "viewer", query: noQuery }, async ({ runtime }) => xlsxResponse(await templateWorkbook(runtime.db), "users-template.xlsx"));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
