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
  const target = consolePath(callbackUrl);
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: target });
  } catch (error) {
    if (error instanceof RefusedSignin) return { error: error.code as "locked" | "address_blocked", retryAfterSeconds: error.retryAfterSeconds };
    if (error instanceof AuthError) return { error: error.type === "CredentialsSignin" ? "invalid" : "unavailable" };
    throw error; // the redirect after a successful sign-in travels as a thrown value
  }
  return undefined;
}

/**
 * Where to go after signing in: a path of the console, or "/". Browsers read "/\host" and
 * "/<tab>/host" as "//host", another site, so the path is resolved as a browser would before it is
 * trusted, not checked by its first characters.
 */
function consolePath(callbackUrl: string): string {
  const base = "http://console.invalid";
  try {
    const url = new URL(callbackUrl, base);
    return callbackUrl.startsWith("/") && url.origin === base ? url.pathname + url.search + url.hash : "/";
  } catch {
    return "/";
  }
}
