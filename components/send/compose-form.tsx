"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { useForm, useWatch, type FieldPath, type Resolver } from "react-hook-form";
import { ApiError, apiFetch } from "@/lib/api/client";
import type { ChannelView } from "@/lib/channels/channel-view";
import { sendSettingsOf } from "@/lib/channels/send-settings";
import {
  EMPTY_DRAFT,
  composeDraftSchema,
  createIdempotencyKeeper,
  toSendRequest,
  type ComposeChannel,
  type ComposeDraft,
  type IdempotencyKeeper,
  type SendRequestBody,
} from "@/lib/messages/compose-input";
import { ErrorSummary, useFormErrors } from "../form-errors";
import type { PreviewResult, SendCreated } from "../messages/api-types";
import { useFailure } from "../use-failure";
import { useExplainError, useFieldMessage } from "../use-messages";
import { Alert, Button, Card, SelectField } from "../ui";
import { AudienceFields } from "./audience-fields";
import { CmppTextField } from "./cmpp-text-field";
import { PreviewPanel } from "./preview-panel";
import { TemplateFields } from "./template-fields";

/** What the form's rules need of a channel: its type, and its default signature ("" for none, always on JSMS). */
function composeChannelOf(channel: ChannelView | undefined): ComposeChannel | null {
  if (!channel) return null;
  return { type: channel.type, defaultSignature: sendSettingsOf(channel).defaultSignature };
}

/** Where the server's field paths land in the form. */
const FIELD_OF_PATH: Record<string, FieldPath<ComposeDraft>> = {
  channelKey: "channelKey",
  text: "text",
  "template.id": "templateId",
  "template.signId": "signId",
  userids: "userids",
  phones: "phones",
};

const WATCHED = ["channelKey", "text", "templateId", "signId", "params", "audience", "userids", "phones", "file"] as const;

/**
 * Compose, preview, send. The preview is the server's answer for exactly the form's current
 * content; Send sends that content with an idempotency key kept for it, so a double click or a
 * retry after a lost answer makes one send.
 */
export function ComposeForm({ initialChannels }: { initialChannels: ChannelView[] }) {
  const t = useTranslations("send");
  const router = useRouter();
  const queryClient = useQueryClient();
  const explain = useExplainError();
  const message = useFieldMessage();
  const { data: channels } = useQuery({
    // Not the channel list's own key: a list cached before a channel was added would hide the server's fresh one.
    queryKey: ["channels", "for-send"],
    queryFn: () => apiFetch<{ items: ChannelView[] }>("/api/v1/channels").then((r) => r.items),
    initialData: initialChannels,
  });
  const enabled = channels.filter((c) => c.enabled);
  const byKey = (key: string) => enabled.find((c) => c.channelKey === key);

  const resolver: Resolver<ComposeDraft> = (values, context, options) =>
    (zodResolver(composeDraftSchema(composeChannelOf(byKey(values.channelKey)))) as unknown as Resolver<ComposeDraft>)(values, context, options);
  const form = useForm<ComposeDraft>({
    resolver,
    defaultValues: { ...EMPTY_DRAFT, channelKey: enabled.length === 1 ? enabled[0]!.channelKey : "" },
    // Errors show once Preview is pressed: one appearing on blur would shift the buttons under the pointer.
    mode: "onSubmit",
    reValidateMode: "onChange",
    // useFormErrors moves the focus to the first field with a problem.
    shouldFocusError: false,
  });
  const { formRef, handleSubmit, showServerDetails, summary } = useFormErrors(form);
  const [channelKey, text, templateId, signId, params, audience, userids, phones, file] = useWatch({ control: form.control, name: WATCHED });
  const draft: ComposeDraft = { channelKey, text, templateId, signId, params, audience, userids, phones, file };
  const channel = byKey(channelKey);
  const rule = composeChannelOf(channel);
  const currentBody = rule ? JSON.stringify(toSendRequest(draft, rule)) : null;

  const [preview, setPreview] = useState<{ body: SendRequestBody; json: string; result: PreviewResult } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [sending, setSending] = useState(false);
  // Details the form has no field for (a parameter's name too long, say) are listed under the message.
  const { failure, setFailure, alertRef } = useFailure<{ message: string; details: string[] }>();
  const keeper = useRef<IdempotencyKeeper | null>(null);
  // Set at once, unlike `sending`, so a second click in the same frame finds it.
  const inFlight = useRef(false);

  function showError(error: unknown) {
    if (!(error instanceof ApiError)) {
      setFailure({ message: t("networkFailure"), details: [] });
      return;
    }
    const unplaced = showServerDetails(error.details, (path) => FIELD_OF_PATH[path]).map((d) => `${d.path}: ${message(d.message)}`);
    setFailure({ message: t.has(`apiErrors.${error.code}`) ? t(`apiErrors.${error.code}`) : explain(error), details: unplaced });
  }

  async function onPreview(values: ComposeDraft) {
    const valuesRule = composeChannelOf(byKey(values.channelKey));
    if (!valuesRule) return;
    const body = toSendRequest(values, valuesRule);
    setFailure(null);
    setPreviewing(true);
    try {
      const result = await apiFetch<PreviewResult>("/api/v1/messages/preview", { method: "POST", body });
      setPreview({ body, json: JSON.stringify(body), result });
    } catch (error) {
      setPreview(null);
      showError(error);
    } finally {
      setPreviewing(false);
    }
  }

  async function onSend() {
    if (!preview || preview.json !== currentBody || inFlight.current) return;
    inFlight.current = true;
    keeper.current ??= createIdempotencyKeeper();
    const idempotencyKey = keeper.current.keyFor(preview.json);
    setFailure(null);
    setSending(true);
    try {
      const created = await apiFetch<SendCreated>("/api/v1/messages", { method: "POST", body: { ...preview.body, idempotencyKey } });
      keeper.current.renew();
      void queryClient.invalidateQueries({ queryKey: ["sends", "list"] });
      router.push(`/messages/sends/${encodeURIComponent(created.sendId)}?created=1`);
    } catch (error) {
      // A reused key means the server holds another body under it: the next try gets a fresh one.
      if (error instanceof ApiError && error.code === "idempotency_key_reused") keeper.current.renew();
      showError(error);
      inFlight.current = false;
      setSending(false);
    }
  }

  if (enabled.length === 0) {
    return (
      <Alert tone="info">
        {t("noChannels")}{" "}
        <Link className="font-medium underline" href="/channels">
          {t("toChannels")}
        </Link>
      </Alert>
    );
  }

  const { errors } = form.formState;
  return (
    <div className="space-y-6">
      <Card>
        <form ref={formRef} noValidate onSubmit={handleSubmit(onPreview)} className="space-y-6" aria-label={t("formLabel")}>
          {failure ? (
            <Alert ref={alertRef}>
              {failure.message}
              {failure.details.length > 0 ? (
                <ul className="mt-1 list-disc pl-5">
                  {failure.details.map((detail, index) => (
                    <li key={index}>{detail}</li>
                  ))}
                </ul>
              ) : null}
            </Alert>
          ) : null}
          <ErrorSummary summary={summary} />
          <SelectField label={t("channel")} error={message(errors.channelKey?.message)} {...form.register("channelKey")}>
            {enabled.length > 1 ? <option value="">{t("chooseChannel")}</option> : null}
            {enabled.map((c) => (
              <option key={c.channelKey} value={c.channelKey}>
                {t("channelOption", { name: c.name, type: c.type })}
              </option>
            ))}
          </SelectField>

          {rule?.type === "cmpp" ? (
            <CmppTextField registration={form.register("text")} text={text} defaultSignature={rule.defaultSignature} error={message(errors.text?.message)} />
          ) : null}
          {rule?.type === "jsms" ? <TemplateFields form={form} /> : null}

          <AudienceFields form={form} audience={audience} userids={userids} phones={phones} file={file} />

          <div className="flex gap-3">
            <Button type="submit" variant={preview ? "secondary" : "primary"} disabled={previewing || sending}>
              {previewing ? t("previewing") : t("previewButton")}
            </Button>
          </div>
        </form>
      </Card>
      {preview ? <PreviewPanel result={preview.result} stale={preview.json !== currentBody} sending={sending} onSend={() => void onSend()} /> : null}
    </div>
  );
}
