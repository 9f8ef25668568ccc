import { z } from "zod";
import { apiRoute, json } from "@/lib/api/handler";
import { otherMethods } from "@/lib/api/other-methods";
import { noQuery, useridParam } from "@/lib/api/query-schemas";
import { getContact } from "@/lib/contacts/contact-queries";

export const GET = apiRoute({ role: "viewer", params: z.object({ userid: useridParam }), query: noQuery }, async ({ runtime, params }) =>
  json(await getContact(runtime.db, params.userid)),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods({ GET });
