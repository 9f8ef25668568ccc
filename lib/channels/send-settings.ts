import { SEND_SETTING_DEFAULTS, sendSettingFields, type ChannelType } from "./channel-schema";

/**
 * The settings that shape sending on one channel, as the dispatcher and the compose page use
 * them. Pure and browser-safe (no Node imports): the compose page previews the text as sent.
 */
export interface SendSettings {
  /** "" or a signature in 【…】 brackets, prepended by applyDefaultSignature. Always "" on JSMS. */
  defaultSignature: string;
  /** Whether a SUBMIT whose outcome is unknown may be sent again. Always false on JSMS, which never re-posts blindly. */
  resubmitUncertain: boolean;
  /** A submitted message without a final report after this many seconds becomes unknown. */
  reportDeadlineSeconds: number;
  /** The zone of the CMPP CONNECT timestamp, in minutes east of UTC. Unused on JSMS. */
  timestampUtcOffsetMinutes: number;
}

/**
 * Reads a stored value with the same rule the schema applies on save; a value that is missing
 * (a channel saved before the setting existed) or does not pass gives the default.
 */
function settingOf<K extends keyof typeof sendSettingFields>(config: object, key: K): SendSettings[K] {
  const parsed = sendSettingFields[key].safeParse((config as Record<string, unknown>)[key]);
  return (parsed.success ? parsed.data : SEND_SETTING_DEFAULTS[key]) as SendSettings[K];
}

/** The send settings of a channel (a database row or a ChannelView), defaults applied. */
export function sendSettingsOf(channel: { readonly type: ChannelType; readonly config: object }): SendSettings {
  const reportDeadlineSeconds = settingOf(channel.config, "reportDeadlineSeconds");
  if (channel.type === "jsms") {
    return {
      defaultSignature: "",
      resubmitUncertain: false,
      reportDeadlineSeconds,
      timestampUtcOffsetMinutes: SEND_SETTING_DEFAULTS.timestampUtcOffsetMinutes,
    };
  }
  return {
    defaultSignature: settingOf(channel.config, "defaultSignature"),
    resubmitUncertain: settingOf(channel.config, "resubmitUncertain"),
    reportDeadlineSeconds,
    timestampUtcOffsetMinutes: settingOf(channel.config, "timestampUtcOffsetMinutes"),
  };
}

/** A 【…】 signature at the very start of a text, by the same length rule as a default signature. */
const LEADING_SIGNATURE = /^【[^【】]{1,20}】/u;

/** Whether the text already begins with a 【…】 signature of its own. */
export function startsWithSignature(text: string): boolean {
  return LEADING_SIGNATURE.test(text);
}

/**
 * The text as it is sent: the channel's default signature in front, unless there is none or the
 * text already starts with a signature (the operator chose one for this send).
 */
export function applyDefaultSignature(text: string, signature: string): string {
  if (signature === "" || startsWithSignature(text)) return text;
  return signature + text;
}
