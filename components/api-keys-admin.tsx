"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { ApiError, apiFetch } from "@/lib/api/client";
import type { ApiKeyView } from "@/lib/auth/api-keys";
import { apiKeyCreateSchema, type ApiKeyCreateInput } from "@/lib/auth/operator-schema";
import { ROLES } from "@/lib/auth/roles";
import { CopyButton } from "./copy-button";
import { ErrorSummary, useFormErrors } from "./form-errors";
import { Table } from "./table";
import { useFailure } from "./use-failure";
import { useDateTime, useExplainError, useFieldMessage } from "./use-messages";
import { Alert, Badge, Button, Card, SelectField, TextField } from "./ui";

export function ApiKeysAdmin() {
  const t = useTranslations();
  const when = useDateTime();
  const explain = useExplainError();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<string | null>(null);
  const { failure, setFailure, alertRef } = useFailure();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: () => apiFetch<{ items: ApiKeyView[] }>("/api/v1/api-keys").then((r) => r.items) });
  const revoke = useMutation({
    mutationFn: (keyId: string) => apiFetch(`/api/v1/api-keys/${keyId}`, { method: "DELETE" }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
    onError: (error) => setFailure(explain(error)),
  });
  const form = useForm<ApiKeyCreateInput>({
    resolver: zodResolver(apiKeyCreateSchema),
    defaultValues: { name: "", role: "operator" },
    // useFormErrors moves the focus to the first field with a problem.
    shouldFocusError: false,
  });
  const { formRef, handleSubmit, showServerDetails, summary } = useFormErrors(form);
  const errors = form.formState.errors;
  const msg = useFieldMessage();

  return (
    <div className="space-y-6">
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      {created ? (
        <Alert tone="success">
          <p className="font-medium">{t("apiKeys.createdOnce")}</p>
          <div className="mt-2 flex flex-wrap items-center gap-3">
            <code className="break-all rounded bg-white px-2 py-1 font-mono text-xs" data-testid="new-api-key">
              {created}
            </code>
            <CopyButton value={created} label={t("apiKeys.copyCredentials")} />
          </div>
        </Alert>
      ) : null}
      <Card title={t("apiKeys.createTitle")}>
        <form
          ref={formRef}
          noValidate
          aria-label={t("apiKeys.createTitle")}
          className="grid gap-4 sm:grid-cols-3"
          onSubmit={handleSubmit(async (values) => {
            try {
              const result = await apiFetch<{ credentials: string }>("/api/v1/api-keys", { method: "POST", body: values });
              setCreated(result.credentials);
              setFailure(null);
              form.reset();
              await queryClient.invalidateQueries({ queryKey: ["api-keys"] });
            } catch (error) {
              if (error instanceof ApiError) showServerDetails(error.details);
              setFailure(explain(error));
            }
          })}
        >
          <div className="empty:hidden sm:col-span-3">
            <ErrorSummary summary={summary} headingLevel={3} />
          </div>
          <TextField label={t("apiKeys.name")} error={msg(errors.name?.message)} {...form.register("name")} />
          <SelectField label={t("apiKeys.role")} error={msg(errors.role?.message)} {...form.register("role")}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </SelectField>
          {/* Level with the inputs: the fields keep a line for their error under them. */}
          <div className="flex items-end pb-6">
            <Button type="submit" disabled={form.formState.isSubmitting}>
              {t("apiKeys.create")}
            </Button>
          </div>
        </form>
        <p className="mt-3 text-xs text-slate-500">{t("apiKeys.usage")}</p>
      </Card>
      <Card title={t("apiKeys.listTitle")}>
        <Table headers={[t("apiKeys.keyId"), t("apiKeys.name"), t("apiKeys.role"), t("apiKeys.lastUsed"), { label: t("common.actions"), srOnly: true }]}>
          {(keys.data ?? []).map((key) => (
            <tr key={key.keyId}>
              <td className="font-mono text-xs">{key.keyId}</td>
              <td>{key.name}</td>
              <td>{t(`roles.${key.role}`)}</td>
              <td className="text-slate-500">{key.lastUsedAt ? when(key.lastUsedAt) : "—"}</td>
              <td className="text-right">
                {key.revokedAt ? (
                  <Badge>{t("apiKeys.revoked")}</Badge>
                ) : (
                  <Button variant="secondary" onClick={() => revoke.mutate(key.keyId)}>
                    {t("apiKeys.revokeNamed", { name: key.name })}
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </Card>
    </div>
  );
}
