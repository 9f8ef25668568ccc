"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useForm } from "react-hook-form";
import { signInSchema, type SignInInput } from "@/lib/auth/operator-schema";
import { ErrorSummary, useFormErrors } from "./form-errors";
import { Alert, Button, TextField } from "./ui";
import { useFailure } from "./use-failure";
import { useFieldMessage } from "./use-messages";

type Result =
  | { error: "invalid" | "unavailable" }
  | { error: "locked" | "address_blocked"; retryAfterSeconds: number }
  | undefined;

export function SignInForm({ action, callbackUrl }: { action: (input: SignInInput, callbackUrl: string) => Promise<Result>; callbackUrl: string }) {
  const t = useTranslations();
  const { failure, setFailure, alertRef } = useFailure();
  const fieldMessage = useFieldMessage();
  // useFormErrors moves the focus to the first field with a problem.
  const form = useForm<SignInInput>({ resolver: zodResolver(signInSchema), defaultValues: { email: "", password: "" }, shouldFocusError: false });
  const { formRef, handleSubmit, summary } = useFormErrors(form);
  const { errors, isSubmitting } = form.formState;

  return (
    <form
      ref={formRef}
      noValidate
      className="space-y-4"
      onSubmit={handleSubmit(async (values) => {
        setFailure(null);
        const result = await action(values, callbackUrl);
        if (!result) return;
        setFailure("retryAfterSeconds" in result ? t(`auth.failure.${result.error}`, { seconds: result.retryAfterSeconds }) : t(`auth.failure.${result.error}`));
      })}
    >
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      <ErrorSummary summary={summary} />
      <TextField label={t("auth.email")} type="email" autoComplete="username" error={fieldMessage(errors.email?.message)} {...form.register("email")} />
      <TextField
        label={t("auth.password")}
        type="password"
        autoComplete="current-password"
        error={fieldMessage(errors.password?.message)}
        {...form.register("password")}
      />
      <Button type="submit" className="w-full" disabled={isSubmitting}>
        {isSubmitting ? t("auth.signingIn") : t("auth.signIn")}
      </Button>
    </form>
  );
}
