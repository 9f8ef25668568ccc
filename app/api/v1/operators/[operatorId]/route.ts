import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { uuidParam } from "@/lib/api/query-schemas";
import { updateOperator } from "@/lib/auth/operators";

export const PATCH = apiRoute({ role: "admin", params: z.object({ operatorId: uuidParam }) }, async ({ runtime, actor, params, json: body }) =>
  json(await updateOperator(runtime.db, actor, params.operatorId, await body())),
);

export const { GET, POST, PUT, DELETE, OPTIONS } = otherMethods({ PATCH });
