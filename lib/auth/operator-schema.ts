import { z } from "zod";
import { ROLES } from "./roles";

/** Shared by the sign-in, setup and operator forms and by the server. Messages are catalogue keys. */
export const MIN_PASSWORD = 10;

const email = z
  .string({ error: "errors.email_invalid" })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "errors.email_invalid" }).max(254, { error: "errors.email_invalid" }));

const newPassword = z
  .string({ error: "errors.password_too_short" })
  .min(MIN_PASSWORD, { error: "errors.password_too_short" })
  .max(200, { error: "errors.password_too_long" });

export const signInSchema = z.object({
  email,
  password: z.string().min(1, { error: "errors.password_required" }).max(200, { error: "errors.password_too_long" }),
});

export const setupSchema = z
  .object({ email, password: newPassword, confirmPassword: z.string() })
  .refine((v) => v.password === v.confirmPassword, { path: ["confirmPassword"], error: "errors.password_mismatch" });

export const roleSchema = z.enum(ROLES, { error: "errors.role_invalid" });

export const operatorCreateSchema = z.object({
  email,
  name: z.string().trim().max(100, { error: "errors.name_too_long" }).default(""),
  password: newPassword,
  role: roleSchema,
});

export const operatorUpdateSchema = z.object({
  role: roleSchema.optional(),
  disabled: z.boolean().optional(),
  /** true clears a sign-in lock (and the failures counted towards it). */
  unlock: z.boolean().optional(),
});

export const apiKeyCreateSchema = z.object({
  name: z.string().trim().min(1, { error: "errors.name_required" }).max(64, { error: "errors.name_too_long" }),
  role: roleSchema,
});

export type SignInInput = z.infer<typeof signInSchema>;
export type SetupInput = z.infer<typeof setupSchema>;
export type OperatorCreateInput = z.input<typeof operatorCreateSchema>;
export type ApiKeyCreateInput = z.infer<typeof apiKeyCreateSchema>;
