import { apiRoute, json } from "@/lib/api/handler";
import { updateOperator } from "@/lib/auth/operators";

export const PATCH = apiRoute<{ operatorId: string }>({ role: "admin" }, async ({ runtime, actor, params, json: body }) =>
  json(await updateOperator(runtime.db, actor, params.operatorId, await body())),
);
