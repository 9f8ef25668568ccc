"use server";

import { createFirstAdmin } from "@/lib/auth/operators";
import { signIn } from "@/lib/auth/auth";
import { getDb } from "@/lib/server/runtime";
import { DomainError } from "@/lib/util/errors";

export type SetupResult = { error: string; fields?: { path: string; message: string }[] } | undefined;

/**
 * Creates the first admin (only while no operator exists; createFirstAdmin enforces that under
 * a lock) and signs them in.
 */
export async function setupFirstAdminAction(input: { email: string; password: string; confirmPassword: string }): Promise<SetupResult> {
  try {
    await createFirstAdmin(await getDb(), input, "setup page");
  } catch (error) {
    if (error instanceof DomainError) return { error: error.code, fields: error.details };
    throw error;
  }
  await signIn("credentials", { email: input.email, password: input.password, redirectTo: "/channels" });
  return undefined;
}
