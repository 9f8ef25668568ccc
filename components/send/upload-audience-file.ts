import { ApiError, apiErrorOf, type ApiErrorBody } from "@/lib/api/client";
import type { AudienceFile } from "@/lib/messages/compose-input";

interface AudienceFileAnswer {
  kind: "userids" | "phones";
  values: string[];
  rejected: AudienceFile["rejected"];
  rejectedCount: number;
}

/**
 * POST /api/v1/messages/audience-file: the server reads the one column of a .csv or .xlsx file
 * and answers its values and the rows it refused. Multipart, so not through apiFetch's JSON.
 */
export async function uploadAudienceFile(file: File): Promise<AudienceFile> {
  const body = new FormData();
  body.append("file", file);
  const response = await fetch("/api/v1/messages/audience-file", { method: "POST", body, credentials: "same-origin" });
  const payload = (await response.json().catch(() => null)) as (Partial<AudienceFileAnswer> & { error?: ApiErrorBody }) | null;
  // The answer's messageKey carries the reader's exact reason (a renamed .txt, a damaged workbook …) for the operator's language.
  if (!response.ok) throw apiErrorOf(response.status, payload?.error, response.statusText);
  if (!payload || (payload.kind !== "userids" && payload.kind !== "phones") || !Array.isArray(payload.values)) {
    throw new ApiError(response.status, "invalid_answer", "The server's answer about the file was not understood.", []);
  }
  const rejected = payload.rejected ?? [];
  return { fileName: file.name, kind: payload.kind, values: payload.values, rejected, rejectedCount: payload.rejectedCount ?? rejected.length };
}
