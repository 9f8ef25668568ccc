import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getDb, getSecrets } from "@/lib/server/runtime";
import { LoginLockedError, verifyOperatorLogin } from "./operators";
import { signInSchema } from "./operator-schema";
import { logger } from "@/lib/util/logger";

/** Shown on the sign-in page as "locked for a while" rather than "wrong password". */
class LockedSignin extends CredentialsSignin {
  code = "locked";
}

/**
 * Auth.js (next-auth v5) with email + password. Sessions are signed JWT cookies (12 hours);
 * the operator's role and enabled flag are re-read from the database on every request
 * (lib/auth/session.ts), so disabling or re-roling someone takes effect at once.
 * The configuration is built lazily: the session secret comes from DATA_DIR or APP_SECRET,
 * which must not be read during `next build`.
 */
export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: getSecrets().sessionSecret,
  trustHost: true,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
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
      authorize: async (raw) => {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        try {
          const operator = await verifyOperatorLogin(await getDb(), parsed.data.email, parsed.data.password);
          return operator ? { id: operator.id, email: operator.email, name: operator.name } : null;
        } catch (error) {
          if (error instanceof LoginLockedError) throw new LockedSignin();
          throw error;
        }
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) token.operatorId = user.id;
      return token;
    },
    session({ session, token }) {
      return { ...session, operatorId: typeof token.operatorId === "string" ? token.operatorId : undefined };
    },
  },
}));
