import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { apiKeyIdParam } from "@/lib/api/query-schemas";
import { revokeApiKey } from "@/lib/auth/api-keys";

/** Revokes the key; it is kept (revoked) so the audit trail still names it. */
export const DELETE = apiRoute({ role: "admin", params: z.object({ keyId: apiKeyIdParam }) }, async ({ runtime, actor, params }) =>
  json(await revokeApiKey(runtime.db, actor, params.keyId)),
);

export const { GET, POST, PUT, PATCH, OPTIONS } = otherMethods({ DELETE });
