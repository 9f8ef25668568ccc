import type { Role } from "./roles";

/**
 * Who may reach what: every page, server action and route handler of the console, with the
 * weakest role that may use it (README "REST API", DESIGN.md section 6). Data only; the access
 * control test (access-control.test.ts) walks every entry as every kind of caller, and fails when
 * a page, route, method or action exists that is not listed here.
 *
 * Callers: nobody signed in, a console session of each role, an API key of each role, and three
 * that must count as nobody: a revoked admin key, an admin session that was signed out, and the
 * session of an admin who was disabled since signing in.
 */
export const SESSION_PRINCIPALS = ["session:viewer", "session:operator", "session:admin"] as const;
export const KEY_PRINCIPALS = ["key:viewer", "key:operator", "key:admin"] as const;
export const PRINCIPALS = ["anonymous", ...SESSION_PRINCIPALS, ...KEY_PRINCIPALS, "key:revoked", "session:ended", "session:disabled"] as const;
export type Principal = (typeof PRINCIPALS)[number];

/**
 * - a role: the weakest role allowed; nobody gets 401, a weaker role 403;
 * - "anyone": no authentication at all (liveness, health, Auth.js's own endpoints);
 * - "jsms_signature": Jiguang's callbacks, authorised by the channel's signature alone, so no API
 *   key or session makes an unsigned callback pass.
 */
export type ApiAccess = Role | "anyone" | "jsms_signature";

export interface ApiEntry {
  access: ApiAccess;
  /**
   * The status an allowed caller gets for the probe request: no query, path segments that name
   * nothing (or the fixture's own where `fixture` says so), and `{}` as the body of a write.
   * null: not called in-process (Auth.js's endpoints need Next's request scope).
   */
  ok: number | null;
  /** Path segments name the test's fixtures (a real channel, provider, operator…) instead of nothing. */
  fixture?: boolean;
  /**
   * A request body that changes the database when an allowed caller sends it: refused callers
   * send it too, and the database must be unchanged afterwards.
   */
  effect?: "channel.create" | "channel.update" | "channel.delete" | "operator.create" | "operator.update" | "api_key.create" | "api_key.revoke" | "users.upsert" | "messages.send" | "codes.replace";
}

/**
 * Keyed "METHOD /folder" as the file system names it (app/api/v1/users/[userid]/route.ts GET is
 * "GET /api/v1/users/[userid]"). Methods a route file answers 405 to need no entry: the test
 * checks that every exported method not listed here answers 405 to everyone.
 */
export const API_ROUTES: Record<string, ApiEntry> = {
  "GET /api/health": { access: "anyone", ok: 200 },
  "GET /api/ping": { access: "anyone", ok: 200 },
  "GET /api/auth/[...nextauth]": { access: "anyone", ok: null },
  "POST /api/auth/[...nextauth]": { access: "anyone", ok: null },
  // The catch-all answers 404 to every method of every unknown /api address, whoever asks.
  "GET /api/[[...path]]": { access: "anyone", ok: 404 },
  "POST /api/[[...path]]": { access: "anyone", ok: 404 },
  "PUT /api/[[...path]]": { access: "anyone", ok: 404 },
  "PATCH /api/[[...path]]": { access: "anyone", ok: 404 },
  "DELETE /api/[[...path]]": { access: "anyone", ok: 404 },
  "OPTIONS /api/[[...path]]": { access: "anyone", ok: 404 },
  // Jiguang's URL check answers the echostr of a JSMS channel's URL to anyone (the probe sends one).
  "GET /api/jsms/callback/[channelKey]": { access: "anyone", ok: 200, fixture: true },
  // An unsigned callback to a real JSMS channel: 401 whatever key or session comes with it.
  "POST /api/jsms/callback/[channelKey]": { access: "jsms_signature", ok: 401, fixture: true },
  "GET /api/metrics": { access: "admin", ok: 200 },

  "GET /api/v1/api-keys": { access: "admin", ok: 200 },
  "POST /api/v1/api-keys": { access: "admin", ok: 400, effect: "api_key.create" },
  "DELETE /api/v1/api-keys/[keyId]": { access: "admin", ok: 404, effect: "api_key.revoke" },
  "GET /api/v1/audit-log": { access: "admin", ok: 200 },
  "GET /api/v1/channels": { access: "viewer", ok: 200 },
  "POST /api/v1/channels": { access: "admin", ok: 400, effect: "channel.create" },
  "GET /api/v1/channels/[channelKey]": { access: "viewer", ok: 404 },
  "PATCH /api/v1/channels/[channelKey]": { access: "admin", ok: 404, effect: "channel.update" },
  "DELETE /api/v1/channels/[channelKey]": { access: "admin", ok: 404, effect: "channel.delete" },
  "GET /api/v1/channels/[channelKey]/live": { access: "viewer", ok: 404 },
  "GET /api/v1/channels/[channelKey]/replies": { access: "viewer", ok: 404 },
  "GET /api/v1/channels/[channelKey]/reviews": { access: "viewer", ok: 404 },
  "POST /api/v1/channels/[channelKey]/test": { access: "admin", ok: 404 },
  "GET /api/v1/imports": { access: "viewer", ok: 200 },
  "GET /api/v1/imports/[importId]": { access: "viewer", ok: 404 },
  "POST /api/v1/imports/[importId]/cancel": { access: "operator", ok: 404 },
  "GET /api/v1/imports/[importId]/errors.xlsx": { access: "viewer", ok: 404 },
  "GET /api/v1/messages": { access: "viewer", ok: 200 },
  "POST /api/v1/messages": { access: "operator", ok: 400, effect: "messages.send" },
  "GET /api/v1/messages/[messageId]": { access: "viewer", ok: 404 },
  "POST /api/v1/messages/audience-file": { access: "operator", ok: 400 },
  "GET /api/v1/messages/export": { access: "viewer", ok: 400 },
  "POST /api/v1/messages/preview": { access: "operator", ok: 400 },
  "POST /api/v1/messages/resend": { access: "operator", ok: 400 },
  "GET /api/v1/operators": { access: "admin", ok: 200 },
  "POST /api/v1/operators": { access: "admin", ok: 400, effect: "operator.create" },
  "PATCH /api/v1/operators/[operatorId]": { access: "admin", ok: 404, effect: "operator.update" },
  "GET /api/v1/providers": { access: "viewer", ok: 200 },
  "GET /api/v1/providers/[providerId]/codes": { access: "viewer", ok: 404 },
  "PUT /api/v1/providers/[providerId]/codes": { access: "admin", ok: 400, effect: "codes.replace" },
  "GET /api/v1/providers/[providerId]/codes.csv": { access: "viewer", ok: 404 },
  "GET /api/v1/providers/[providerId]/codes.xlsx": { access: "viewer", ok: 404 },
  "POST /api/v1/providers/[providerId]/codes/import": { access: "admin", ok: 400 },
  "GET /api/v1/sends": { access: "viewer", ok: 200 },
  "GET /api/v1/sends/[sendId]": { access: "viewer", ok: 404 },
  "POST /api/v1/sends/[sendId]/cancel": { access: "operator", ok: 404 },
  "POST /api/v1/sends/[sendId]/pause": { access: "operator", ok: 404 },
  "POST /api/v1/sends/[sendId]/resend": { access: "operator", ok: 404 },
  "POST /api/v1/sends/[sendId]/resume": { access: "operator", ok: 404 },
  "GET /api/v1/stats/loss": { access: "viewer", ok: 200 },
  "GET /api/v1/stats/overview": { access: "viewer", ok: 200 },
  "GET /api/v1/stats/series": { access: "viewer", ok: 200 },
  "GET /api/v1/users": { access: "viewer", ok: 200 },
  "POST /api/v1/users": { access: "operator", ok: 400, effect: "users.upsert" },
  "GET /api/v1/users/[userid]": { access: "viewer", ok: 404 },
  "POST /api/v1/users/import": { access: "operator", ok: 400 },
  "GET /api/v1/users/template.xlsx": { access: "viewer", ok: 200 },
};

/**
 * What a page does for a caller: renders its content, renders the refusal instead (the
 * Forbidden notice, or the send page's "viewers cannot send" notice), or redirects.
 */
export type PageOutcome = "shown" | "refused" | `redirect:${string}`;

export interface PageEntry {
  /** The weakest role that sees the content; "anyone" for the sign-in and set-up pages. */
  access: Role | "anyone";
  /** The component a page renders only when the caller may see it. */
  shows: string;
  /** The component it renders instead for a role too weak. */
  refusal?: string;
  /** Props of the `shows` component that are truthy only for this role and above (its controls). */
  grants?: Record<string, Role>;
  /** Components the page renders only for this role and above. */
  parts?: Record<string, Role>;
  /** Outcomes that differ from what `access` implies. */
  outcomes?: Partial<Record<"anonymous" | (typeof SESSION_PRINCIPALS)[number] | "session:ended" | "session:disabled", PageOutcome>>;
}

/** Keyed by the page's folder under app/ ("(console)/users/[userid]"). */
export const PAGES: Record<string, PageEntry> = {
  // Once an operator exists, signing in is the way in; someone signed in is sent to the console.
  "(auth)/login": {
    access: "anyone",
    shows: "SignInForm",
    outcomes: { "session:viewer": "redirect:/", "session:operator": "redirect:/", "session:admin": "redirect:/" },
  },
  // First run only: with an operator in the database nobody sees the set-up form.
  "(auth)/setup": {
    access: "anyone",
    shows: "SetupForm",
    outcomes: {
      anonymous: "redirect:/login",
      "session:ended": "redirect:/login",
      "session:disabled": "redirect:/login",
      "session:viewer": "redirect:/login",
      "session:operator": "redirect:/login",
      "session:admin": "redirect:/login",
    },
  },
  "(console)": { access: "viewer", shows: "OverviewView", grants: { canSend: "operator" } },
  "(console)/channels": { access: "viewer", shows: "ChannelList" },
  "(console)/channels/new": { access: "admin", shows: "ChannelForm", refusal: "Forbidden" },
  "(console)/channels/[channelKey]": { access: "viewer", shows: "ChannelDetail", grants: { canEdit: "admin" } },
  "(console)/dashboard": { access: "viewer", shows: "DashboardView", grants: { classify: "admin" } },
  "(console)/messages": { access: "viewer", shows: "MessageList" },
  "(console)/messages/[messageId]": { access: "viewer", shows: "MessageTimeline" },
  "(console)/messages/sends/[sendId]": { access: "viewer", shows: "SendDetail", grants: { canOperate: "operator" } },
  "(console)/providers": { access: "viewer", shows: "ProviderList" },
  "(console)/providers/[providerId]": { access: "viewer", shows: "ReceiptCodeDictionary", grants: { canEdit: "admin" } },
  "(console)/send": { access: "operator", shows: "ComposeForm", refusal: "Alert" },
  "(console)/settings/api-keys": { access: "admin", shows: "ApiKeysAdmin", refusal: "Forbidden" },
  "(console)/settings/audit-log": { access: "admin", shows: "AuditLogViewer", refusal: "Forbidden" },
  "(console)/settings/operators": { access: "admin", shows: "OperatorsAdmin", refusal: "Forbidden" },
  "(console)/users": { access: "viewer", shows: "UserSearch", parts: { ImportPanel: "operator" } },
  "(console)/users/[userid]": { access: "viewer", shows: "Table" },
};

/**
 * Server actions, keyed "module#export" for each exported function of a "use server" module
 * under app/actions. "anyone": signing in and out, the language cookie; "first_run": only while
 * no operator exists.
 */
export const ACTIONS: Record<string, { access: Role | "anyone" | "first_run" }> = {
  "receipt-codes#classifyReceiptCodeAction": { access: "admin" },
  "receipt-codes#deleteReceiptCodeAction": { access: "admin" },
  "set-locale#setLocaleAction": { access: "anyone" },
  "setup-first-admin#setupFirstAdminAction": { access: "first_run" },
  "sign-in#signInAction": { access: "anyone" },
  "sign-out#signOutAction": { access: "anyone" },
};
