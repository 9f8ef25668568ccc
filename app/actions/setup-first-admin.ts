"use server";

import { headers } from "next/headers";
import { attemptFirstAdminSetup } from "@/lib/auth/operators";
import { AddressBlockedError } from "@/lib/auth/attempt-limit";
import { RefusedSignin, signIn } from "@/lib/auth/auth";
import { getDb } from "@/lib/server/runtime";
import { clientAddressOf } from "@/lib/server/client-address";
import { DomainError } from "@/lib/util/errors";

export type SetupResult =
  | { error: string; fields?: { path: string; message: string }[]; retryAfterSeconds?: number }
  | undefined;

/**
 * Creates the first admin (only while no operator exists; createFirstAdmin enforces that under
 * a lock, attemptFirstAdminSetup limits attempts per address) and signs them in.
 */
export async function setupFirstAdminAction(input: { email: string; password: string; confirmPassword: string }): Promise<SetupResult> {
  try {
    await attemptFirstAdminSetup(await getDb(), input, clientAddressOf(await headers()));
  } catch (error) {
    if (error instanceof AddressBlockedError) return { error: error.code, retryAfterSeconds: error.retryAfterSeconds };
    if (error instanceof DomainError) return { error: error.code, fields: error.details };
    throw error;
  }
  try {
    await signIn("credentials", { email: input.email, password: input.password, redirectTo: "/" });
  } catch (error) {
    // The admin exists now; only signing in from this address has to wait.
    if (error instanceof RefusedSignin) return { error: "address_blocked", retryAfterSeconds: error.retryAfterSeconds };
    throw error; // the redirect after a successful sign-in travels as a thrown value
  }
  return undefined;
}
