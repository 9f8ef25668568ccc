"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth/auth";
import { signInSchema } from "@/lib/auth/operator-schema";

export type SignInResult = { error: "invalid" | "locked" | "unavailable" } | undefined;

/** Signs in and redirects to the console; answers a reason code the form translates. */
export async function signInAction(input: { email: string; password: string }, callbackUrl: string): Promise<SignInResult> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return { error: "invalid" };
  const target = callbackUrl.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/channels";
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: target });
  } catch (error) {
    if (error instanceof AuthError) {
      const code = (error as AuthError & { code?: string }).code;
      return { error: code === "locked" ? "locked" : error.type === "CredentialsSignin" ? "invalid" : "unavailable" };
    }
    throw error; // the redirect after a successful sign-in travels as a thrown value
  }
  return undefined;
}
