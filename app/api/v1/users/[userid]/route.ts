import { apiRoute, json } from "@/lib/api/handler";
import { getContact } from "@/lib/contacts/contact-queries";

export const GET = apiRoute<{ userid: string }>({ role: "viewer" }, async ({ runtime, params }) =>
  json(await getContact(runtime.db, decodeURIComponent(params.userid))),
);
