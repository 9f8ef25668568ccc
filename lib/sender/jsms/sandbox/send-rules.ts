/**
 * How the sandbox judges a send request: the same error codes and HTTP statuses JSMS documents.
 * Pure functions over parsed JSON, so the server stays about HTTP and bookkeeping.
 */
import { JSMS_ERROR_CODES } from "@/lib/sender/jsms/errors";
import type { JsonValue } from "@/lib/sender/jsms/json-exact";

export interface SandboxError {
  httpStatus: number;
  code: number;
  message: string;
}

/** The documented HTTP status and JSMS message for `code`. */
export function sandboxError(code: number): SandboxError {
  const info = JSMS_ERROR_CODES[code];
  if (!info) throw new Error(`sandbox uses undocumented code ${code}`);
  return { httpStatus: info.httpStatus, code, message: info.jsmsMessage };
}

export function isSandboxError(value: unknown): value is SandboxError {
  return typeof value === "object" && value !== null && "code" in value && "httpStatus" in value;
}

/** Mainland China mobile numbers: 11 digits, 1 then 3–9. */
export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asInteger(value: JsonValue | undefined): number | null {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

/** temp_id: missing → 50005, not an integer → 50007, unknown → 50013. */
export function readTempId(body: JsonObject, templates: ReadonlyMap<number, readonly string[]>): number | SandboxError {
  if (body.temp_id === undefined || body.temp_id === null || body.temp_id === "") return sandboxError(50005);
  const tempId = asInteger(body.temp_id);
  if (tempId === null) return sandboxError(50007);
  if (!templates.has(tempId)) return sandboxError(50013);
  return tempId;
}

/** sign_id and tag are optional; present, they must have the documented types. */
export function checkOptionalFields(body: JsonObject): SandboxError | null {
  if (body.sign_id !== undefined && body.sign_id !== null && asInteger(body.sign_id) === null) return sandboxError(50007);
  if (body.tag !== undefined && body.tag !== null && typeof body.tag !== "string") return sandboxError(50007);
  return null;
}

export type TemplateParams = Record<string, string>;

/** temp_para: absent → {}, not an object of strings/numbers → 50007. */
export function readTempPara(value: JsonValue | undefined): TemplateParams | SandboxError {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) return sandboxError(50007);
  const params: TemplateParams = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "string") params[key] = v;
    else if (typeof v === "number" || typeof v === "bigint") params[key] = v.toString();
    else return sandboxError(50007);
  }
  return params;
}

/** Every placeholder of the template needs a non-empty value (50022). */
export function checkTemplateParams(paramNames: readonly string[], params: TemplateParams): SandboxError | null {
  return paramNames.every((name) => params[name] !== undefined && params[name] !== "") ? null : sandboxError(50022);
}

/** mobile: missing → 50004, not a mainland mobile → 50006. A JSON number is read as its digits. */
export function readMobile(value: JsonValue | undefined): string | SandboxError {
  if (value === undefined || value === null || value === "") return sandboxError(50004);
  const mobile = typeof value === "string" ? value : typeof value === "number" || typeof value === "bigint" ? value.toString() : null;
  if (mobile === null || !MAINLAND_MOBILE.test(mobile)) return sandboxError(50006);
  return mobile;
}

/** The key under which two sends count as "the same message" for 50034. */
export function repeatKey(appKey: string, mobile: string, tempId: number, params: TemplateParams): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  return JSON.stringify([appKey, mobile, tempId, sorted]);
}
