import { apiRoute, json } from "@/lib/api/handler";
import { revokeApiKey } from "@/lib/auth/api-keys";

/** Revokes the key; it is kept (revoked) so the audit trail still names it. */
export const DELETE = apiRoute<{ keyId: string }>({ role: "admin" }, async ({ runtime, actor, params }) =>
  json(await revokeApiKey(runtime.db, actor, params.keyId)),
);
