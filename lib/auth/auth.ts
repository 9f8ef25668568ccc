import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { headers } from "next/headers";
import { readServerEnv } from "@/lib/config/env";
import { getDb, getSecrets } from "@/lib/server/runtime";
import { clientAddressOf } from "@/lib/server/client-address";
import { logger } from "@/lib/util/logger";
import { AddressBlockedError } from "./attempt-limit";
import { signInOperator, signOutOperator } from "./console-sign-in";
import { LoginLockedError } from "./operators";
import { SESSION_MAX_AGE_MS } from "./operator-sessions";
import { signInSchema } from "./operator-schema";

/**
 * A refusal the sign-in form explains with a wait ("try again in N s") rather than "wrong
 * password". Auth.js hands the thrown error back to the server action as it is.
 */
export class RefusedSignin extends CredentialsSignin {
  constructor(
    code: "locked" | "address_blocked",
    readonly retryAfterSeconds: number,
  ) {
    super();
    this.code = code;
  }
}

/**
 * Auth.js (next-auth v5) with email + password. The session cookie is a signed JWT holding the id
 * of an operator_sessions row; every request checks that row (lib/auth/session.ts), so sign-out,
 * disabling and idling end a session at once. The rules live in lib functions; this is glue.
 * The configuration is built lazily: the session secret comes from DATA_DIR or APP_SECRET,
 * which must not be read during `next build`.
 */
export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: getSecrets().sessionSecret,
  trustHost: true,
  // From PUBLIC_URL, not from the request: a proxy that forwards plain http must not make them plain.
  useSecureCookies: readServerEnv().secureCookies,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_MS / 1000 },
  pages: { signIn: "/login", error: "/login" },
  // A wrong password is an everyday event, not a server error: keep it out of the error log.
  logger: {
    error(error: Error) {
      if (error.name === "CredentialsSignin" || (error as { type?: string }).type === "CredentialsSignin") {
        logger.info("sign-in refused", { reason: (error as { code?: string }).code ?? "credentials" });
        return;
      }
      logger.error("auth error", { error });
    },
    warn(code: string) {
      logger.warn("auth warning", { code });
    },
  },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      // Reached from the sign-in action and from POST /api/auth/callback/credentials alike.
      authorize: async (raw, request) => {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        const client = { address: clientAddressOf(request.headers), userAgent: request.headers.get("user-agent") };
        try {
          const result = await signInOperator(await getDb(), parsed.data, client);
          if (!result) return null;
          const { operator, sessionId } = result;
          return { id: operator.id, email: operator.email, name: operator.name, sessionId };
        } catch (error) {
          if (error instanceof LoginLockedError) throw new RefusedSignin("locked", error.retryAfterSeconds);
          if (error instanceof AddressBlockedError) throw new RefusedSignin("address_blocked", error.retryAfterSeconds);
          throw error;
        }
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      const sessionId = (user as { sessionId?: unknown } | undefined)?.sessionId;
      if (typeof sessionId === "string") token.sessionId = sessionId;
      return token;
    },
    session({ session, token }) {
      return { ...session, sessionId: typeof token.sessionId === "string" ? token.sessionId : undefined };
    },
  },
  events: {
    // Auth.js's own sign-out route; the console's sign-out action has already revoked the row.
    async signOut(message) {
      const sessionId = "token" in message ? message.token?.sessionId : undefined;
      if (typeof sessionId === "string") await signOutOperator(await getDb(), sessionId, clientAddressOf(await headers()));
    },
  },
}));
