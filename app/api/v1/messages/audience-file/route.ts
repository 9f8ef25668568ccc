import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { readAudienceFile } from "@/lib/messages/audience-file";

/** Multipart field `file` (.csv or .xlsx, one column, optional header userid or phone) → {kind, values, rejected}. */
export const POST = apiRoute({ role: "operator" }, async ({ runtime, req }) => json(await readAudienceFile(req, { dataDir: runtime.env.dataDir })));

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ POST });
