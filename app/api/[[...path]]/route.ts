import { answerUnknownPath } from "@/lib/api/unknown-path";

/**
 * Every /api address no other route takes: a 404 in the JSON error shape for every method,
 * instead of Next.js's HTML page. Static and dynamic routes always win over this optional
 * catch-all, so it never shadows /api/auth/…, /api/health, /api/v1/… or the JSMS callbacks.
 */
export const GET = answerUnknownPath;
export const POST = answerUnknownPath;
export const PUT = answerUnknownPath;
export const PATCH = answerUnknownPath;
export const DELETE = answerUnknownPath;
export const OPTIONS = answerUnknownPath;
