import { apiRoute } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery } from "@/lib/api/query-schemas";
import { dictionaryDownload } from "@/lib/providers/dictionary-export";
import { providerParams } from "@/lib/providers/rest-schemas";

export const GET = apiRoute({ role: "viewer", params: providerParams, query: noQuery }, async ({ runtime, params }) =>
  dictionaryDownload(runtime.db, params.providerId, "csv"),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
