import type { ChannelWarning } from "./port-policy";

/**
 * What the console and the REST API see of a channel. `config` never holds a secret: secrets
 * are reported only as set or not (and the AppKey as a hint, so operators can tell apps apart).
 * Send settings are always present, with their defaults for channels saved before they existed.
 */
export interface JsmsPublicConfig {
  appKeyHint: string;
  appKeySet: boolean;
  masterSecretSet: boolean;
  /** Seconds without a final report before a message becomes unknown. */
  reportDeadlineSeconds: number;
}

export interface CmppPublicConfig {
  /** providers.id: a preset id (`china_mobile`, …) or one the console gave a provider added by name. */
  provider: string;
  /** The provider's name ("China Mobile", "梦网科技"); shown, never stored in the channel. */
  providerName: string;
  host: string;
  port: number;
  account: string;
  accessNumber: string;
  connections: number;
  version: "2.0" | "3.0";
  serviceId: string;
  tpsPerConnection: number;
  passwordSet: boolean;
  /** "" or a 【…】 signature put in front of a text that has none. */
  defaultSignature: string;
  /** Whether a SUBMIT whose outcome is unknown may be sent again. */
  resubmitUncertain: boolean;
  /** Seconds without a final report before a message becomes unknown. */
  reportDeadlineSeconds: number;
  /** The zone of the CONNECT timestamp, minutes east of UTC. */
  timestampUtcOffsetMinutes: number;
}

/** What a CMPP channel's config column holds: the public config without the looked-up name. */
export type CmppStoredConfig = Omit<CmppPublicConfig, "providerName">;

interface ChannelViewBase {
  channelKey: string;
  name: string;
  enabled: boolean;
  warnings: ChannelWarning[];
  createdAt: string;
  updatedAt: string;
}

export type ChannelView =
  | (ChannelViewBase & { type: "jsms"; config: JsmsPublicConfig; callbackUrl: string })
  | (ChannelViewBase & { type: "cmpp"; config: CmppPublicConfig });

/** "dd10…9275": enough to recognise an AppKey, not enough to use it. */
export function hintForKey(value: string): string {
  return value.length <= 8 ? "…" : `${value.slice(0, 4)}…${value.slice(-4)}`;
}
