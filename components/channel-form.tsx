"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useId } from "react";
import { useForm, useWatch, type Control, type Resolver, type UseFormRegister } from "react-hook-form";
import { ApiError, apiFetch } from "@/lib/api/client";
import {
  CMPP_DEFAULTS,
  CMPP_PROVIDERS,
  CMPP_VERSIONS,
  SEND_SETTING_DEFAULTS,
  channelCreateSchema,
  channelUpdateSchema,
} from "@/lib/channels/channel-schema";
import type { ChannelView } from "@/lib/channels/channel-view";
import type { ProviderView } from "@/lib/providers/provider-service";
import { portNeedsApproval } from "@/lib/channels/port-policy";
import { durationInLargestUnit, utcOffsetLabel } from "@/lib/channels/setting-format";
import { Fold } from "./fold";
import { ErrorSummary, useFormErrors } from "./form-errors";
import { useSettledAnnouncement } from "./live-region";
import { useFailure } from "./use-failure";
import { useExplainError, useFieldMessage } from "./use-messages";
import { Alert, Button, SelectField, TextField } from "./ui";

/** Every field of both channel types; the schema keeps those of the chosen type. */
interface FormValues {
  type: "jsms" | "cmpp";
  name: string;
  appKey: string;
  masterSecret: string;
  /** The provider select: a preset id, or BY_NAME for a provider typed by name into `provider`. */
  providerChoice: string;
  /** What is sent: the preset id chosen, or the name typed. */
  provider: string;
  host: string;
  port: string;
  account: string;
  password: string;
  accessNumber: string;
  connections: string;
  version: string;
  serviceId: string;
  tpsPerConnection: string;
  defaultSignature: string;
  resubmitUncertain: boolean;
  reportDeadlineSeconds: string;
  timestampUtcOffsetMinutes: string;
}

const SECRET_FIELDS = new Set(["appKey", "masterSecret", "password"]);

/** The select's value that reveals the provider-name field. */
const BY_NAME = "__by_name__";
const isPreset = (value: string) => (CMPP_PROVIDERS as readonly string[]).includes(value);

function initialValues(channel?: ChannelView): FormValues {
  const blank: FormValues = {
    type: "jsms",
    name: "",
    appKey: "",
    masterSecret: "",
    providerChoice: "china_mobile",
    provider: "china_mobile",
    host: "",
    port: "7890",
    account: "",
    password: "",
    accessNumber: "",
    connections: String(CMPP_DEFAULTS.connections),
    version: CMPP_DEFAULTS.version,
    serviceId: CMPP_DEFAULTS.serviceId,
    tpsPerConnection: String(CMPP_DEFAULTS.tpsPerConnection),
    defaultSignature: SEND_SETTING_DEFAULTS.defaultSignature,
    resubmitUncertain: SEND_SETTING_DEFAULTS.resubmitUncertain,
    reportDeadlineSeconds: String(SEND_SETTING_DEFAULTS.reportDeadlineSeconds),
    timestampUtcOffsetMinutes: String(SEND_SETTING_DEFAULTS.timestampUtcOffsetMinutes),
  };
  if (!channel) return blank;
  if (channel.type === "jsms") {
    return { ...blank, type: "jsms", name: channel.name, reportDeadlineSeconds: String(channel.config.reportDeadlineSeconds) };
  }
  const c = channel.config;
  return {
    ...blank,
    type: "cmpp",
    name: channel.name,
    providerChoice: isPreset(c.provider) ? c.provider : BY_NAME,
    provider: isPreset(c.provider) ? c.provider : c.providerName,
    host: c.host,
    port: String(c.port),
    account: c.account,
    accessNumber: c.accessNumber,
    connections: String(c.connections),
    version: c.version,
    serviceId: c.serviceId,
    tpsPerConnection: String(c.tpsPerConnection),
    defaultSignature: c.defaultSignature,
    resubmitUncertain: c.resubmitUncertain,
    reportDeadlineSeconds: String(c.reportDeadlineSeconds),
    timestampUtcOffsetMinutes: String(c.timestampUtcOffsetMinutes),
  };
}

/** Digits only, for the numeric fields (the schema refuses anything else); a hint for phone keyboards and autofill. */
const DIGITS = { inputMode: "numeric", pattern: "[0-9]*" } as const;

/** A whole number typed so far, or null while the field holds anything else. */
function typedWholeNumber(value: string | undefined, signed = false): number | null {
  const text = (value ?? "").trim();
  return (signed ? /^-?\d{1,10}$/ : /^\d{1,10}$/).test(text) ? Number(text) : null;
}

/** The report deadline, with the typed seconds read back as days, hours or minutes. */
function ReportDeadlineField({ control, error, register }: {
  control: Control<FormValues>;
  error: string | undefined;
  register: UseFormRegister<FormValues>;
}) {
  const t = useTranslations();
  const seconds = typedWholeNumber(useWatch({ control, name: "reportDeadlineSeconds" }));
  const reading = seconds !== null && seconds > 0 ? durationInLargestUnit(seconds) : null;
  return (
    <TextField
      label={t("channels.fields.reportDeadlineSeconds")}
      {...DIGITS}
      error={error}
      hint={
        <>
          {t("channels.reportDeadlineHint")}
          {reading ? ` ${t("channels.durationIs", { duration: t(`channels.durationUnits.${reading.unit}`, { count: reading.count }) })}` : null}
        </>
      }
      {...register("reportDeadlineSeconds")}
    />
  );
}

/**
 * The provider: the presets in a select, and "another provider" revealing a name field, with the
 * names of the providers added before as suggestions. Only the name field, when shown, is
 * registered as `provider`, so its errors (and the server's) land on it.
 */
function ProviderFields({ control, error, register, setProvider }: {
  control: Control<FormValues>;
  error: string | undefined;
  register: UseFormRegister<FormValues>;
  setProvider: (value: string) => void;
}) {
  const t = useTranslations();
  const choice = useWatch({ control, name: "providerChoice" });
  const suggestionsId = useId();
  const known = useQuery({
    queryKey: ["providers"],
    queryFn: () => apiFetch<{ items: ProviderView[] }>("/api/v1/providers").then((r) => r.items),
    enabled: choice === BY_NAME,
  });
  const names = (known.data ?? []).filter((p) => p.kind === "cmpp" && !p.preset).map((p) => p.name);
  return (
    <>
      <SelectField
        label={t("channels.fields.provider")}
        error={choice === BY_NAME ? undefined : error}
        hint={t("channels.providerHint")}
        {...register("providerChoice", {
          onChange: (event: { target: { value: string } }) => setProvider(event.target.value === BY_NAME ? "" : event.target.value),
        })}
      >
        {CMPP_PROVIDERS.map((p) => (
          <option key={p} value={p}>
            {t(`channels.providers.${p}`)}
          </option>
        ))}
        <option value={BY_NAME}>{t("channels.providerByName")}</option>
      </SelectField>
      {choice === BY_NAME ? (
        <>
          <TextField
            label={t("channels.fields.providerName")}
            list={suggestionsId}
            autoComplete="off"
            hint={t("channels.providerNameHint")}
            error={error}
            {...register("provider")}
          />
          <datalist id={suggestionsId}>
            {names.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </>
      ) : null}
    </>
  );
}

/** Without `onSaved` a saved channel opens its page; with it, the caller decides (the detail page leaves edit mode). */
export function ChannelForm({ channel, onSaved }: { channel?: ChannelView; onSaved?: (saved: ChannelView) => void }) {
  const t = useTranslations();
  const router = useRouter();
  const queryClient = useQueryClient();
  const editing = Boolean(channel);
  const { failure, setFailure, alertRef } = useFailure();
  const explain = useExplainError();
  const form = useForm<FormValues>({
    resolver: zodResolver(editing ? channelUpdateSchema : channelCreateSchema) as unknown as Resolver<FormValues>,
    defaultValues: initialValues(channel),
    mode: "onTouched",
    // useFormErrors moves the focus, opening the Advanced fold when the field is in it.
    shouldFocusError: false,
  });
  const { formRef, handleSubmit, showServerDetails, summary } = useFormErrors(form);
  const { errors, isSubmitting } = form.formState;
  const type = useWatch({ control: form.control, name: "type" });
  const port = typedWholeNumber(useWatch({ control: form.control, name: "port" }));
  const portWarning =
    type === "cmpp" && port !== null && port >= 1 && port <= 65535 && portNeedsApproval(port)
      ? t("channels.portWarning", { port })
      : undefined;
  // Said once the operator pauses typing or leaves the field, not at every digit.
  const announcePortWarning = useSettledAnnouncement(portWarning);
  const portField = form.register("port");
  const fieldMessage = useFieldMessage();
  const err = (field: keyof FormValues) => fieldMessage(errors[field]?.message);
  const secretHint = editing ? t("channels.secretKeepHint") : undefined;
  const secretPlaceholder = editing ? t("channels.secretMasked") : undefined;
  const resubmitId = useId();
  const offset = typedWholeNumber(useWatch({ control: form.control, name: "timestampUtcOffsetMinutes" }), true);

  async function onSubmit(values: FormValues) {
    setFailure(null);
    // Empty secrets on edit mean "keep"; leave them out so nothing can overwrite them by accident.
    const body = Object.fromEntries(
      Object.entries(values).filter(([k, v]) => k !== "providerChoice" && !(SECRET_FIELDS.has(k) && v === "")),
    );
    try {
      const saved = channel
        ? await apiFetch<ChannelView>(`/api/v1/channels/${channel.channelKey}`, { method: "PATCH", body })
        : await apiFetch<ChannelView>("/api/v1/channels", { method: "POST", body });
      await queryClient.invalidateQueries({ queryKey: ["channels"] });
      // A name typed for the first time added a provider.
      void queryClient.invalidateQueries({ queryKey: ["providers"] });
      if (onSaved) return onSaved(saved);
      router.push(`/channels/${saved.channelKey}?created=1`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showServerDetails(error.details);
      setFailure(explain(error));
    }
  }

  return (
    <form
      ref={formRef}
      noValidate
      onSubmit={handleSubmit(onSubmit)}
      className="space-y-6"
      aria-label={t(editing ? "channels.editTitle" : "channels.newTitle")}
    >
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      <ErrorSummary summary={summary} />

      {!editing ? (
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">{t("channels.type")}</legend>
          <div className="flex flex-col gap-3 sm:flex-row">
            {(["jsms", "cmpp"] as const).map((option) => (
              <label
                key={option}
                // The card shows the focus ring of the radio in it (arrow keys move between the two, as native radios do).
                className={`flex flex-1 cursor-pointer flex-col rounded-lg border p-4 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500 has-[:focus-visible]:ring-offset-2 ${type === option ? "border-brand-500 bg-brand-50" : "border-slate-200 bg-white"}`}
              >
                <span className="flex items-center gap-2 text-sm font-medium">
                  <input type="radio" value={option} className="focus:outline-none" {...form.register("type")} />
                  {t(`channels.types.${option}`)}
                </span>
                <span className="mt-1 text-xs text-slate-600">{t(`channels.typeHelp.${option}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}

      <TextField label={t("channels.fields.name")} error={err("name")} {...form.register("name")} />

      {type === "jsms" ? (
        <div className="space-y-4">
          <Alert tone="info">{t("channels.jsmsHelp")}</Alert>
          <TextField
            label={t("channels.fields.appKey")}
            type="password"
            autoComplete="off"
            placeholder={secretPlaceholder}
            hint={secretHint ?? t("channels.appKeyHint")}
            error={err("appKey")}
            {...form.register("appKey")}
          />
          <TextField
            label={t("channels.fields.masterSecret")}
            type="password"
            autoComplete="off"
            placeholder={secretPlaceholder}
            hint={secretHint}
            error={err("masterSecret")}
            {...form.register("masterSecret")}
          />
          <Fold title={t("channels.advanced")}>
            <div className="mt-4 grid gap-4 sm:grid-cols-2">
              <ReportDeadlineField control={form.control} error={err("reportDeadlineSeconds")} register={form.register} />
            </div>
          </Fold>
        </div>
      ) : (
        <div className="space-y-4">
          <Alert tone="info">{t("channels.cmppHelp")}</Alert>
          <ProviderFields
            control={form.control}
            error={err("provider")}
            register={form.register}
            setProvider={(value) => form.setValue("provider", value, { shouldValidate: false })}
          />
          <div className="grid gap-4 sm:grid-cols-[2fr_1fr]">
            <TextField label={t("channels.fields.host")} placeholder="10.0.0.1" error={err("host")} {...form.register("host")} />
            <TextField
              label={t("channels.fields.port")}
              {...DIGITS}
              error={err("port")}
              warning={portWarning}
              {...portField}
              onBlur={(event) => {
                announcePortWarning();
                return portField.onBlur(event);
              }}
            />
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField label={t("channels.fields.account")} autoComplete="off" hint={t("channels.accountHint")} error={err("account")} {...form.register("account")} />
            <TextField
              label={t("channels.fields.password")}
              type="password"
              autoComplete="new-password"
              placeholder={secretPlaceholder}
              hint={secretHint}
              error={err("password")}
              {...form.register("password")}
            />
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField label={t("channels.fields.accessNumber")} {...DIGITS} error={err("accessNumber")} {...form.register("accessNumber")} />
            <TextField
              label={t("channels.fields.connections")}
              {...DIGITS}
              hint={t("channels.connectionsHint")}
              error={err("connections")}
              {...form.register("connections")}
            />
          </div>
          <Fold title={t("channels.advanced")}>
            <div className="mt-4 grid gap-4 sm:grid-cols-3">
              <SelectField label={t("channels.fields.version")} error={err("version")} {...form.register("version")}>
                {CMPP_VERSIONS.map((v) => (
                  <option key={v} value={v}>
                    CMPP {v}
                  </option>
                ))}
              </SelectField>
              <TextField label={t("channels.fields.serviceId")} error={err("serviceId")} {...form.register("serviceId")} />
              <TextField
                label={t("channels.fields.tpsPerConnection")}
                {...DIGITS}
                error={err("tpsPerConnection")}
                {...form.register("tpsPerConnection")}
              />
            </div>
            <div className="mt-4 grid gap-4 sm:grid-cols-2">
              <TextField
                label={t("channels.fields.defaultSignature")}
                placeholder="【ACME】"
                hint={t("channels.defaultSignatureHint")}
                error={err("defaultSignature")}
                {...form.register("defaultSignature")}
              />
              <ReportDeadlineField control={form.control} error={err("reportDeadlineSeconds")} register={form.register} />
              <TextField
                label={t("channels.fields.timestampUtcOffsetMinutes")}
                // Text, not numeric: phone number pads have no minus sign.
                inputMode="text"
                pattern="-?[0-9]*"
                hint={
                  <>
                    {t("channels.timestampOffsetHint")}
                    {offset !== null ? ` ${t("channels.offsetIs", { offset: utcOffsetLabel(offset) })}` : null}
                  </>
                }
                error={err("timestampUtcOffsetMinutes")}
                {...form.register("timestampUtcOffsetMinutes")}
              />
              <div className="space-y-1 sm:col-span-2">
                <label htmlFor={resubmitId} className="flex items-center gap-2 text-sm font-medium text-slate-700">
                  <input
                    id={resubmitId}
                    type="checkbox"
                    aria-describedby={errors.resubmitUncertain ? `${resubmitId}-error ${resubmitId}-hint` : `${resubmitId}-hint`}
                    aria-invalid={Boolean(errors.resubmitUncertain)}
                    {...form.register("resubmitUncertain")}
                  />
                  {t("channels.fields.resubmitUncertain")}
                </label>
                <p id={`${resubmitId}-hint`} className="text-xs text-slate-500">
                  {t("channels.resubmitUncertainHint")}
                </p>
                <p id={`${resubmitId}-error`} className="min-h-5 text-sm text-red-700">
                  {err("resubmitUncertain")}
                </p>
              </div>
            </div>
          </Fold>
        </div>
      )}

      <div className="flex flex-wrap gap-3">
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting ? t("common.saving") : editing ? t("common.save") : t("channels.create")}
        </Button>
        <Button variant="secondary" onClick={() => (onSaved && channel ? onSaved(channel) : router.back())}>
          {t("common.cancel")}
        </Button>
      </div>
    </form>
  );
}
