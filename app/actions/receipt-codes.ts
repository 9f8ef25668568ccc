"use server";

import { hasRole } from "@/lib/auth/roles";
import { requireSessionActor } from "@/lib/auth/session";
import type { ActionFailure, ClassifyCodeInput, ClassifyCodeResult, DeleteCodeResult } from "@/lib/providers/action-types";
import { classifyCode, deleteProviderCode } from "@/lib/providers/receipt-code-service";
import { providerIdParam } from "@/lib/providers/rest-schemas";
import { getDb } from "@/lib/server/runtime";
import { DomainError } from "@/lib/util/errors";

/**
 * The console's changes to one code of a provider's dictionary (admins): the Providers page's
 * add, edit and delete, and the loss analysis's "classify in place" of an unclassified code.
 * Pages pass these to their components (types in lib/providers/action-types.ts). Failures come
 * back as values; a caller showing the change re-reads its data (router.refresh()) once `ok`.
 */

function failure(error: unknown): ActionFailure {
  if (error instanceof DomainError) return { ok: false, error: error.code, fields: error.details };
  throw error;
}

async function adminActor() {
  const actor = await requireSessionActor();
  return hasRole(actor.role, "admin") ? actor : null;
}

const FORBIDDEN: ActionFailure = { ok: false, error: "forbidden", fields: [{ path: "(role)", message: "providers.errors.forbidden" }] };
const NO_PROVIDER: ActionFailure = { ok: false, error: "provider_not_found", fields: [{ path: "providerId", message: "providers.errors.provider_not_found" }] };

/** Adds or changes one code (upsert); audited as receipt_code.set. */
export async function classifyReceiptCodeAction(input: ClassifyCodeInput): Promise<ClassifyCodeResult> {
  const actor = await adminActor();
  if (!actor) return FORBIDDEN;
  const providerId = providerIdParam.safeParse(input?.providerId);
  if (!providerId.success) return NO_PROVIDER;
  try {
    const { providerId: _path, ...row } = input;
    return { ok: true, code: await classifyCode(await getDb(), providerId.data, row, actor) };
  } catch (error) {
    return failure(error);
  }
}

/** Removes one code (messages carrying it become unclassified); audited as receipt_code.delete. */
export async function deleteReceiptCodeAction(input: { providerId: string; code: string }): Promise<DeleteCodeResult> {
  const actor = await adminActor();
  if (!actor) return FORBIDDEN;
  const providerId = providerIdParam.safeParse(input?.providerId);
  if (!providerId.success) return NO_PROVIDER;
  try {
    await deleteProviderCode(await getDb(), providerId.data, input?.code, actor);
    return { ok: true };
  } catch (error) {
    return failure(error);
  }
}
