"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { useForm, type Resolver } from "react-hook-form";
import { ApiError, apiFetch } from "@/lib/api/client";
import { operatorCreateSchema, type OperatorCreateInput } from "@/lib/auth/operator-schema";
import type { OperatorView } from "@/lib/auth/operators";
import { ROLES } from "@/lib/auth/roles";
import { Alert, Badge, Button, Card, SelectField, TextField } from "./ui";

export function OperatorsAdmin({ currentOperatorId }: { currentOperatorId: string }) {
  const t = useTranslations();
  const format = useFormatter();
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<string | null>(null);
  const operators = useQuery({
    queryKey: ["operators"],
    queryFn: () => apiFetch<{ items: OperatorView[] }>("/api/v1/operators").then((r) => r.items),
  });
  const explain = (error: unknown) =>
    error instanceof ApiError ? (t.has(`apiErrors.${error.code}`) ? t(`apiErrors.${error.code}`) : error.message) : String(error);
  const update = useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: { role?: string; disabled?: boolean } }) =>
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
  });
  const errors = form.formState.errors;
  const msg = (m?: string) => (m ? (t.has(m) ? t(m) : m) : undefined);

  return (
    <div className="space-y-6">
      {failure ? <Alert>{failure}</Alert> : null}
      <Card title={t("operators.listTitle")}>
        <table className="min-w-full text-sm">
          <thead className="text-left text-xs uppercase text-slate-500">
            <tr>
              <th scope="col" className="py-2">{t("operators.email")}</th>
              <th scope="col" className="py-2">{t("operators.role")}</th>
              <th scope="col" className="py-2">{t("operators.status")}</th>
              <th scope="col" className="py-2">{t("operators.lastLogin")}</th>
              <th scope="col" className="py-2"><span className="sr-only">{t("common.actions")}</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {(operators.data ?? []).map((op) => (
              <tr key={op.id}>
                <td className="py-2">{op.email}</td>
                <td className="py-2">
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
                <td className="py-2">
                  <Badge tone={op.disabled ? "slate" : "green"}>{op.disabled ? t("operators.disabled") : t("operators.active")}</Badge>
                </td>
                <td className="py-2 text-slate-500">
                  {op.lastLoginAt ? format.dateTime(new Date(op.lastLoginAt), { dateStyle: "medium", timeStyle: "short" }) : "—"}
                </td>
                <td className="py-2 text-right">
                  {op.id !== currentOperatorId ? (
                    <Button variant="secondary" onClick={() => update.mutate({ id: op.id, patch: { disabled: !op.disabled } })}>
                      {op.disabled ? t("operators.enableNamed", { email: op.email }) : t("operators.disableNamed", { email: op.email })}
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title={t("operators.addTitle")}>
        <form
          noValidate
          aria-label={t("operators.addTitle")}
          className="grid gap-4 sm:grid-cols-2"
          onSubmit={form.handleSubmit(async (values) => {
            try {
              await apiFetch("/api/v1/operators", { method: "POST", body: values });
              form.reset();
              setFailure(null);
              await queryClient.invalidateQueries({ queryKey: ["operators"] });
            } catch (error) {
              if (error instanceof ApiError) {
                for (const d of error.details) form.setError(d.path as keyof OperatorCreateInput, { message: d.message });
              }
              setFailure(explain(error));
            }
          })}
        >
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
