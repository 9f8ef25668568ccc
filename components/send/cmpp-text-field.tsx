"use client";

import { useFormatter, useTranslations } from "next-intl";
import type { UseFormRegisterReturn } from "react-hook-form";
import { textAsSent } from "@/lib/messages/compose-input";
import { measureCmppText } from "@/lib/messages/segment-count";
import { MAX_TEXT_CHARACTERS, countCharacters } from "@/lib/messages/send-schema";
import { useSettledAnnouncement } from "../live-region";
import { TextAreaField } from "../ui";

/**
 * The free text of a CMPP send, with what the carrier will count as the operator types: the text
 * as sent (the channel's signature in front unless it brings its own), its characters, encoding
 * and segments.
 */
export function CmppTextField({
  registration,
  text,
  defaultSignature,
  error,
}: {
  registration: UseFormRegisterReturn<"text">;
  text: string;
  defaultSignature: string;
  error?: string;
}) {
  const t = useTranslations("send");
  const format = useFormatter();
  const sent = textAsSent(text, defaultSignature);
  const length = measureCmppText(sent);
  const signed = sent !== text;
  const overLimit = countCharacters(text) > MAX_TEXT_CHARACTERS;
  const lengthText = [
    t("lengthText", {
      characters: format.number(length.characters),
      encoding: length.encoding,
      segments: length.segments,
      perSegment: format.number(length.unitsPerSegment),
    }),
    length.encoding === "UCS2" && length.units !== length.characters ? t("unitsNote", { units: format.number(length.units) }) : "",
    overLimit ? t("tooLongNote", { max: format.number(MAX_TEXT_CHARACTERS) }) : "",
  ]
    .filter(Boolean)
    .join(" ");
  // Not a live region of its own (that spoke at every keystroke): the page's region says the length once
  // the operator pauses or leaves the field, and only when what it costs changed (encoding, SMS count, the limit).
  const announceLength = useSettledAnnouncement(text.trim() === "" ? undefined : lengthText, `${length.encoding}·${length.segments}·${overLimit}`);
  return (
    <div className="space-y-3">
      <TextAreaField
        label={t("text")}
        rows={5}
        error={error}
        hint={
          <>
            {t("encodingHint")}
            {defaultSignature ? ` ${t("signatureHint", { signature: defaultSignature })}` : ""}
          </>
        }
        below={
          <p className={`text-sm ${overLimit ? "text-red-700" : "text-slate-600"}`}>
            <span className="sr-only">{t("lengthLabel")} </span>
            {lengthText}
          </p>
        }
        {...registration}
        onBlur={(event) => {
          announceLength();
          return registration.onBlur(event);
        }}
      />
      {text.trim() !== "" ? (
        <figure className="rounded-md border border-slate-200 bg-slate-50 p-3">
          <figcaption className="text-xs font-medium text-slate-500">{signed ? t("asSentSigned") : t("asSent")}</figcaption>
          <p className="mt-1 whitespace-pre-wrap break-words text-sm text-slate-900" data-testid="text-as-sent">
            {sent}
          </p>
        </figure>
      ) : null}
    </div>
  );
}
