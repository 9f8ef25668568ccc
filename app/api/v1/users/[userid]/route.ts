import { apiRoute, json } from "@/lib/api/handler";
import { getContact } from "@/lib/contacts/contact-queries";
import { decodeSegment } from "@/lib/util/url";

export const GET = apiRoute<{ userid: string }>({ role: "viewer" }, async ({ runtime, params }) =>
  json(await getContact(runtime.db, decodeSegment(params.userid))),
);
