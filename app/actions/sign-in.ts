"use server";

import { AuthError } from "next-auth";
import { RefusedSignin, signIn } from "@/lib/auth/auth";
import { signInSchema } from "@/lib/auth/operator-schema";

export type SignInResult =
  | { error: "invalid" | "unavailable" }
  | { error: "locked" | "address_blocked"; retryAfterSeconds: number }
  | undefined;

/**
 * Signs in and redirects to the console; answers a reason code the form translates. The limits
 * are checked inside Auth.js's authorize (lib/auth/auth.ts), which Auth.js's own route reaches too.
 */
export async function signInAction(input: { email: string; password: string }, callbackUrl: string): Promise<SignInResult> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return { error: "invalid" };
  const target = callbackUrl.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/";
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: target });
  } catch (error) {
    if (error instanceof RefusedSignin) return { error: error.code as "locked" | "address_blocked", retryAfterSeconds: error.retryAfterSeconds };
    if (error instanceof AuthError) return { error: error.type === "CredentialsSignin" ? "invalid" : "unavailable" };
    throw error; // the redirect after a successful sign-in travels as a thrown value
  }
  return undefined;
}
