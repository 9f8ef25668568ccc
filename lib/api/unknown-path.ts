import crypto from "node:crypto";
import type { NextRequest } from "next/server";
import { errorResponse } from "./error-response";
import { PathNotFoundError } from "./request-input";

/** The answer to an /api address that names no call (app/api/[[...path]]/route.ts). */
export function answerUnknownPath(req: NextRequest): Response {
  const path = req.nextUrl.pathname;
  const message = path.length <= 200 ? `There is no API call at ${path}.` : "There is no API call at this address.";
  return errorResponse(new PathNotFoundError(message), crypto.randomUUID(), req);
}
