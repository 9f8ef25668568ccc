"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { setupSchema } from "@/lib/auth/operator-schema";
import { ErrorSummary, useFormErrors } from "./form-errors";
import { Alert, Button, TextField } from "./ui";
import { useFailure } from "./use-failure";
import { useExplainError, useFieldMessage } from "./use-messages";

type SetupValues = z.input<typeof setupSchema>;
type Result = { error: string; fields?: { path: string; message: string }[]; retryAfterSeconds?: number } | undefined;

export function SetupForm({ action }: { action: (input: SetupValues) => Promise<Result> }) {
  const t = useTranslations();
  const { failure, setFailure, alertRef } = useFailure();
  const form = useForm<SetupValues>({
    resolver: zodResolver(setupSchema),
    defaultValues: { email: "", password: "", confirmPassword: "" },
    // useFormErrors moves the focus to the first field with a problem.
    shouldFocusError: false,
  });
  const { formRef, handleSubmit, showServerDetails, summary } = useFormErrors(form);
  const { errors, isSubmitting } = form.formState;
  const message = useFieldMessage();
  const explain = useExplainError();

  return (
    <form
      ref={formRef}
      noValidate
      className="space-y-4"
      onSubmit={handleSubmit(async (values) => {
        setFailure(null);
        const result = await action(values);
        if (!result?.error) return;
        showServerDetails(result.fields ?? []);
        setFailure(
          result.retryAfterSeconds !== undefined ? t("auth.failure.address_blocked", { seconds: result.retryAfterSeconds }) : explain(result.error),
        );
      })}
    >
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      <ErrorSummary summary={summary} />
      <TextField label={t("auth.adminEmail")} type="email" autoComplete="username" error={message(errors.email?.message)} {...form.register("email")} />
      <TextField
        label={t("auth.newPassword")}
        type="password"
        autoComplete="new-password"
        hint={t("auth.passwordRule")}
        error={message(errors.password?.message)}
        {...form.register("password")}
      />
      <TextField
        label={t("auth.confirmPassword")}
        type="password"
        autoComplete="new-password"
        error={message(errors.confirmPassword?.message)}
        {...form.register("confirmPassword")}
      />
      <Button type="submit" className="w-full" disabled={isSubmitting}>
        {t("auth.createAdmin")}
      </Button>
    </form>
  );
}
