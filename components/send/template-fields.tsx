"use client";

import { useTranslations } from "next-intl";
import { useFieldArray, type UseFormReturn } from "react-hook-form";
import type { ComposeDraft } from "@/lib/messages/compose-input";
import { useFieldMessage } from "../use-messages";
import { Button, TextField } from "../ui";

/** A JSMS send: the approved template's id, an optional signature id, and the template's parameters. */
export function TemplateFields({ form }: { form: UseFormReturn<ComposeDraft> }) {
  const t = useTranslations("send");
  const message = useFieldMessage();
  const { errors } = form.formState;
  const params = useFieldArray({ control: form.control, name: "params" });
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label={t("templateId")}
          inputMode="numeric"
          pattern="[0-9]*"
          autoComplete="off"
          hint={t("templateIdHint")}
          error={message(errors.templateId?.message)}
          {...form.register("templateId")}
        />
        <TextField
          label={t("signId")}
          inputMode="numeric"
          pattern="[0-9]*"
          autoComplete="off"
          hint={t("signIdHint")}
          error={message(errors.signId?.message)}
          {...form.register("signId")}
        />
      </div>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium text-slate-700">{t("params")}</legend>
        <p className="text-xs text-slate-500">{t("paramsHint")}</p>
        {params.fields.length === 0 ? <p className="text-sm text-slate-500">{t("noParams")}</p> : null}
        {params.fields.map((field, index) => (
          <div key={field.id} className="grid items-start gap-3 sm:grid-cols-[1fr_2fr_auto]">
            <TextField
              label={t("paramName", { n: index + 1 })}
              autoComplete="off"
              error={message(errors.params?.[index]?.key?.message)}
              {...form.register(`params.${index}.key`)}
            />
            <TextField label={t("paramValue", { n: index + 1 })} autoComplete="off" {...form.register(`params.${index}.value`)} />
            <Button variant="ghost" className="sm:mt-6" aria-label={t("removeParam", { n: index + 1 })} onClick={() => params.remove(index)}>
              {t("remove")}
            </Button>
          </div>
        ))}
        <Button variant="secondary" onClick={() => params.append({ key: "", value: "" })}>
          {t("addParam")}
        </Button>
      </fieldset>
    </div>
  );
}
