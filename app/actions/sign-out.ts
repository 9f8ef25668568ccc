"use server";

import { headers } from "next/headers";
import { signOut } from "@/lib/auth/auth";
import { signOutOperator } from "@/lib/auth/console-sign-in";
import { currentSessionId } from "@/lib/auth/session";
import { getDb } from "@/lib/server/runtime";
import { clientAddressOf } from "@/lib/server/client-address";

/** Revokes the session row first (so a copied cookie stops working too), then clears the cookie. */
export async function signOutAction(): Promise<void> {
  const sessionId = await currentSessionId();
  if (sessionId) await signOutOperator(await getDb(), sessionId, clientAddressOf(await headers()));
  await signOut({ redirectTo: "/login" });
}
