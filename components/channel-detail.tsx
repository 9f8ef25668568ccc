"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import type { ChannelView } from "@/lib/channels/channel-view";
import { durationInLargestUnit, utcOffsetLabel } from "@/lib/channels/setting-format";
import { ChannelForm } from "./channel-form";
import { ChannelCockpit } from "./channel-cockpit";
import { ChannelFeedback } from "./channel-feedback";
import { CopyButton } from "./copy-button";
import { ProviderLink } from "./provider-label";
import { useFailure } from "./use-failure";
import { useDateTime, useExplainError } from "./use-messages";
import { Alert, Badge, Button, Card, DetailRow, PageHeader } from "./ui";

interface TestResult {
  ok: boolean;
  latencyMs: number;
  detail: string;
}


export function ChannelDetail({ initial, canEdit }: { initial: ChannelView; canEdit: boolean }) {
  const t = useTranslations();
  const when = useDateTime();
  const router = useRouter();
  const justCreated = useSearchParams().get("created") === "1";
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const { failure, setFailure, alertRef } = useFailure();
  const key = ["channels", initial.channelKey];
  const { data: channel } = useQuery({
    queryKey: key,
    queryFn: () => apiFetch<ChannelView>(`/api/v1/channels/${initial.channelKey}`),
    initialData: initial,
  });
  const explain = useExplainError();

  const toggle = useMutation({
    mutationFn: (enabled: boolean) => apiFetch<ChannelView>(`/api/v1/channels/${channel.channelKey}`, { method: "PATCH", body: { enabled } }),
    onSuccess: (updated) => {
      queryClient.setQueryData(key, updated);
      void queryClient.invalidateQueries({ queryKey: ["channels"], exact: true });
    },
    onError: (error) => setFailure(explain(error)),
  });
  const remove = useMutation({
    mutationFn: () => apiFetch<void>(`/api/v1/channels/${channel.channelKey}`, { method: "DELETE" }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["channels"] });
      router.push("/channels");
      router.refresh();
    },
    onError: (error) => {
      setConfirmingDelete(false);
      setFailure(explain(error));
    },
  });
  const test = useMutation({
    mutationFn: () => apiFetch<TestResult>(`/api/v1/channels/${channel.channelKey}/test`, { method: "POST", body: {} }),
    onError: (error) => setFailure(explain(error)),
  });

  // Seconds as stored (what the form and the API take), read back in a larger unit where one fits.
  const deadlineSeconds = channel.config.reportDeadlineSeconds;
  const deadline = durationInLargestUnit(deadlineSeconds);
  const deadlineText =
    deadline.unit === "seconds"
      ? String(deadlineSeconds)
      : `${deadlineSeconds} (${t(`channels.durationUnits.${deadline.unit}`, { count: deadline.count })})`;

  // A stored secret is never sent to the browser: it is shown as set, and only that.
  const maskedSecret = (
    <>
      {/* A plain span has no role to carry aria-label; the dots are hidden and the words read instead. */}
      <span aria-hidden="true">••••••••</span>
      <span className="sr-only">{t("channels.secretMasked")}</span> <Badge>{t("channels.secretStored")}</Badge>
    </>
  );

  if (editing) {
    return (
      <>
        <PageHeader title={t("channels.editTitle")} description={channel.name} />
        <Card>
          <ChannelForm
            channel={channel}
            onSaved={(saved) => {
              queryClient.setQueryData(key, saved);
              setEditing(false);
            }}
          />
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={channel.name}
        description={t(`channels.typeHelp.${channel.type}`)}
        actions={
          canEdit ? (
            <>
              <Button variant="secondary" onClick={() => setEditing(true)}>
                {t("common.edit")}
              </Button>
              <Button variant="secondary" disabled={toggle.isPending} onClick={() => toggle.mutate(!channel.enabled)}>
                {channel.enabled ? t("channels.disable") : t("channels.enable")}
              </Button>
              <Button variant="danger" onClick={() => setConfirmingDelete(true)}>
                {t("common.delete")}
              </Button>
            </>
          ) : null
        }
      />
      <div className="space-y-4">
        {justCreated ? <Alert tone="success">{t("channels.created")}</Alert> : null}
        {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
        {confirmingDelete ? (
          <div role="dialog" aria-modal="false" aria-labelledby="confirm-delete-title" className="rounded-lg border border-red-200 bg-red-50 p-4">
            <h2 id="confirm-delete-title" className="font-semibold text-red-900">
              {t("channels.confirmDeleteTitle", { name: channel.name })}
            </h2>
            <p className="mt-1 text-sm text-red-800">{t("channels.confirmDeleteText")}</p>
            <div className="mt-3 flex flex-wrap gap-2">
              <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
                {t("channels.confirmDelete")}
              </Button>
              <Button variant="secondary" onClick={() => setConfirmingDelete(false)}>
                {t("common.cancel")}
              </Button>
            </div>
          </div>
        ) : null}
        {channel.warnings.map((warning) => (
          <Alert key={warning.code} tone="warning">
            {warning.code === "port_needs_approval" && channel.type === "cmpp"
              ? t("channels.portWarning", { port: channel.config.port })
              : warning.message}
          </Alert>
        ))}

        <Card title={t("channels.identity")}>
          <dl className="divide-y divide-slate-100">
            <DetailRow label={t("channels.channelKey")}>
              <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
                <code className="break-all rounded bg-slate-100 px-2 py-0.5 font-mono" data-testid="channel-key">
                  {channel.channelKey}
                </code>
                <CopyButton value={channel.channelKey} label={t("channels.copyKey")} />
              </span>
            </DetailRow>
            <DetailRow label={t("channels.type")}>{t(`channels.types.${channel.type}`)}</DetailRow>
            <DetailRow label={t("channels.status")}>
              <Badge tone={channel.enabled ? "green" : "slate"}>{channel.enabled ? t("channels.enabled") : t("channels.disabled")}</Badge>
            </DetailRow>
            <DetailRow label={t("channels.createdAt")}>{when(channel.createdAt)}</DetailRow>
          </dl>
        </Card>

        <ChannelCockpit channelKey={channel.channelKey} />

        {channel.type === "jsms" ? (
          <>
            <Card title={t("channels.callbackTitle")}>
              <p className="mb-3 text-sm text-slate-600">{t("channels.callbackHelp")}</p>
              <div className="flex flex-wrap items-center gap-3">
                <code className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm" data-testid="callback-url">
                  {channel.callbackUrl}
                </code>
                <CopyButton value={channel.callbackUrl} label={t("channels.copyCallbackUrl")} />
              </div>
            </Card>
            <ChannelFeedback channelKey={channel.channelKey} />
            <Card title={t("channels.settings")}>
              <dl className="divide-y divide-slate-100">
                <DetailRow label={t("channels.fields.appKey")}>
                  <span className="font-mono">{channel.config.appKeyHint}</span> <Badge>{t("channels.secretStored")}</Badge>
                </DetailRow>
                <DetailRow label={t("channels.fields.masterSecret")}>
                  {maskedSecret}
                </DetailRow>
                <DetailRow label={t("channels.fields.reportDeadlineSeconds")}>{deadlineText}</DetailRow>
              </dl>
            </Card>
          </>
        ) : (
          <Card title={t("channels.settings")}>
            <dl className="divide-y divide-slate-100">
              <DetailRow label={t("channels.fields.provider")}>
                <ProviderLink providerId={channel.config.provider} name={channel.config.providerName} />
              </DetailRow>
              <DetailRow label={t("channels.fields.host")}>{channel.config.host}</DetailRow>
              <DetailRow label={t("channels.fields.port")}>{channel.config.port}</DetailRow>
              <DetailRow label={t("channels.fields.account")}>{channel.config.account}</DetailRow>
              <DetailRow label={t("channels.fields.password")}>
                {maskedSecret}
              </DetailRow>
              <DetailRow label={t("channels.fields.accessNumber")}>{channel.config.accessNumber}</DetailRow>
              <DetailRow label={t("channels.fields.connections")}>{channel.config.connections}</DetailRow>
              <DetailRow label={t("channels.fields.version")}>CMPP {channel.config.version}</DetailRow>
              <DetailRow label={t("channels.fields.serviceId")}>{channel.config.serviceId || "—"}</DetailRow>
              <DetailRow label={t("channels.fields.tpsPerConnection")}>{channel.config.tpsPerConnection}</DetailRow>
              <DetailRow label={t("channels.fields.defaultSignature")}>{channel.config.defaultSignature || "—"}</DetailRow>
              <DetailRow label={t("channels.fields.resubmitUncertain")}>
                {channel.config.resubmitUncertain ? t("channels.settingOn") : t("channels.settingOff")}
              </DetailRow>
              <DetailRow label={t("channels.fields.reportDeadlineSeconds")}>{deadlineText}</DetailRow>
              <DetailRow label={t("channels.fields.timestampUtcOffsetMinutes")}>
                {channel.config.timestampUtcOffsetMinutes} ({utcOffsetLabel(channel.config.timestampUtcOffsetMinutes)})
              </DetailRow>
            </dl>
          </Card>
        )}

        {canEdit ? (
          <Card title={t("channels.testTitle")}>
            <p className="mb-3 text-sm text-slate-600">{t(`channels.testHelp.${channel.type}`)}</p>
            <Button variant="secondary" disabled={test.isPending} onClick={() => test.mutate()}>
              {test.isPending ? t("channels.testing") : t("channels.testConnection")}
            </Button>
            {test.data ? (
              <div className="mt-3">
                <Alert tone={test.data.ok ? "success" : "error"}>
                  {test.data.ok
                    ? t("channels.testOk", { ms: test.data.latencyMs, detail: test.data.detail })
                    : t("channels.testFailed", { ms: test.data.latencyMs, detail: test.data.detail })}
                </Alert>
              </div>
            ) : null}
          </Card>
        ) : null}
      </div>
    </>
  );
}
