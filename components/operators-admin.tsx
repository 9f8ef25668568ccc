"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useForm, type Resolver } from "react-hook-form";
import { ApiError, apiFetch } from "@/lib/api/client";
import { operatorCreateSchema, type OperatorCreateInput } from "@/lib/auth/operator-schema";
import type { OperatorView } from "@/lib/auth/operators";
import { ROLES } from "@/lib/auth/roles";
import { ErrorSummary, useFormErrors } from "./form-errors";
import { Table } from "./table";
import { useFailure } from "./use-failure";
import { useDateTime, useExplainError, useFieldMessage } from "./use-messages";
import { Alert, Badge, Button, Card, SelectField, TextField } from "./ui";

/** A lock in force now; an expired one needs no action. */
function isLocked(op: OperatorView): boolean {
  return op.lockedUntil !== null && new Date(op.lockedUntil).getTime() > Date.now();
}

export function OperatorsAdmin({ currentOperatorId }: { currentOperatorId: string }) {
  const t = useTranslations();
  const when = useDateTime();
  const explain = useExplainError();
  const queryClient = useQueryClient();
  const { failure, setFailure, alertRef } = useFailure();
  const operators = useQuery({
    queryKey: ["operators"],
    queryFn: () => apiFetch<{ items: OperatorView[] }>("/api/v1/operators").then((r) => r.items),
  });
  const update = useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: { role?: string; disabled?: boolean; unlock?: boolean } }) =>
      apiFetch<OperatorView>(`/api/v1/operators/${id}`, { method: "PATCH", body: patch }),
    onSuccess: () => {
      setFailure(null);
      void queryClient.invalidateQueries({ queryKey: ["operators"] });
    },
    onError: (error) => setFailure(explain(error)),
  });
  const form = useForm<OperatorCreateInput>({
    resolver: zodResolver(operatorCreateSchema) as unknown as Resolver<OperatorCreateInput>,
    defaultValues: { email: "", name: "", password: "", role: "operator" },
    // useFormErrors moves the focus to the first field with a problem.
    shouldFocusError: false,
  });
  const { formRef, handleSubmit, showServerDetails, summary } = useFormErrors(form);
  const errors = form.formState.errors;
  const msg = useFieldMessage();

  return (
    <div className="space-y-6">
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      <Card title={t("operators.listTitle")}>
        <Table headers={[t("operators.email"), t("operators.role"), t("operators.status"), t("operators.lastLogin"), { label: t("common.actions"), srOnly: true }]}>
          {(operators.data ?? []).map((op) => (
            <tr key={op.id}>
              <td>{op.email}</td>
              <td>
                <select
                  aria-label={t("operators.roleOf", { email: op.email })}
                  className="rounded border border-slate-300 px-2 py-1"
                  value={op.role}
                  disabled={op.id === currentOperatorId || update.isPending}
                  onChange={(e) => update.mutate({ id: op.id, patch: { role: e.target.value } })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {t(`roles.${r}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <Badge tone={op.disabled ? "slate" : "green"}>{op.disabled ? t("operators.disabled") : t("operators.active")}</Badge>
                {isLocked(op) ? (
                  <span className="ml-2">
                    <Badge tone="amber">{t("operators.lockedUntil", { time: when(op.lockedUntil!) })}</Badge>
                  </span>
                ) : null}
              </td>
              <td className="text-slate-500">{op.lastLoginAt ? when(op.lastLoginAt) : "—"}</td>
              <td className="space-x-2 text-right">
                {isLocked(op) ? (
                  <Button variant="secondary" disabled={update.isPending} onClick={() => update.mutate({ id: op.id, patch: { unlock: true } })}>
                    {t("operators.unlockNamed", { email: op.email })}
                  </Button>
                ) : null}
                {op.id !== currentOperatorId ? (
                  <Button variant="secondary" onClick={() => update.mutate({ id: op.id, patch: { disabled: !op.disabled } })}>
                    {op.disabled ? t("operators.enableNamed", { email: op.email }) : t("operators.disableNamed", { email: op.email })}
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      </Card>
      <Card title={t("operators.addTitle")}>
        <form
          ref={formRef}
          noValidate
          aria-label={t("operators.addTitle")}
          className="grid gap-4 sm:grid-cols-2"
          onSubmit={handleSubmit(async (values) => {
            try {
              await apiFetch("/api/v1/operators", { method: "POST", body: values });
              form.reset();
              setFailure(null);
              await queryClient.invalidateQueries({ queryKey: ["operators"] });
            } catch (error) {
              if (error instanceof ApiError) showServerDetails(error.details);
              setFailure(explain(error));
            }
          })}
        >
          <div className="empty:hidden sm:col-span-2">
            <ErrorSummary summary={summary} headingLevel={3} />
          </div>
          <TextField label={t("operators.email")} type="email" error={msg(errors.email?.message)} {...form.register("email")} />
          <TextField label={t("operators.name")} error={msg(errors.name?.message)} {...form.register("name")} />
          <TextField
            label={t("operators.initialPassword")}
            type="password"
            autoComplete="new-password"
            hint={t("auth.passwordRule")}
            error={msg(errors.password?.message)}
            {...form.register("password")}
          />
          <SelectField label={t("operators.role")} error={msg(errors.role?.message)} {...form.register("role")}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </SelectField>
          <div>
            <Button type="submit" disabled={form.formState.isSubmitting}>
              {t("operators.add")}
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}
