import { ApiError, type ApiErrorDetail } from "@/lib/api/client";
import type { AudienceFile } from "@/lib/messages/compose-input";

interface AudienceFileAnswer {
  kind: "userids" | "phones";
  values: string[];
  rejected: { row: number; value: string; reason: string }[];
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
  const payload = (await response.json().catch(() => null)) as
    | (Partial<AudienceFileAnswer> & { error?: { code?: string; message?: string; details?: ApiErrorDetail[] } })
    | null;
  if (!response.ok) {
    const error = payload?.error;
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText, error?.details ?? []);
  }
  if (!payload || (payload.kind !== "userids" && payload.kind !== "phones") || !Array.isArray(payload.values)) {
    throw new ApiError(response.status, "invalid_answer", "The server's answer about the file was not understood.", []);
  }
  const rejected = payload.rejected ?? [];
  return { fileName: file.name, kind: payload.kind, values: payload.values, rejected, rejectedCount: payload.rejectedCount ?? rejected.length };
}
