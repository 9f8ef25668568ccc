import type { Role } from "./roles";

/**
 * Who is acting: a signed-in operator, an API key, or the system itself (start-up, CLI).
 * `address` is the client address the request came from (lib/server/client-address.ts), so the
 * audit log can say where an action came from without every service taking it as a parameter.
 */
export type Actor =
  | { kind: "operator"; id: string; email: string; role: Role; address?: string }
  | { kind: "api_key"; id: string; keyId: string; role: Role; address?: string }
  | { kind: "system"; role: "admin"; label: string; address?: string };

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case "operator":
      return `operator:${actor.email}`;
    case "api_key":
      return `api_key:${actor.keyId}`;
    case "system":
      return `system:${actor.label}`;
  }
}

export const SYSTEM_ACTOR = (label: string): Actor => ({ kind: "system", role: "admin", label });
