import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { getProviderCodes, replaceProviderCodes } from "@/lib/providers/receipt-code-service";
import { codeFilterQuery, providerParams } from "@/lib/providers/rest-schemas";

/** {items:[{code, outcome, category, description, descriptionZh, updatedAt, updatedBy}]}, in code order; `q` and `category` narrow it. */
export const GET = apiRoute({ role: "viewer", params: providerParams, query: codeFilterQuery }, async ({ runtime, params, query }) =>
  json({ items: await getProviderCodes(runtime.db, params.providerId, query) }),
);

/** The whole dictionary, {items:[{code, outcome, category, description?, descriptionZh?}]}: what is not listed is removed. */
export const PUT = apiRoute({ role: "admin", params: providerParams, maxBodyBytes: 4 * 1024 * 1024 }, async ({ runtime, actor, params, json: body }) =>
  json({ items: await replaceProviderCodes(runtime.db, params.providerId, await body(), actor) }),
);

export const { POST, PATCH, DELETE, OPTIONS } = otherMethods({ GET, PUT });
