/**
 * The dictionaries a provider starts with, from the field notes on receipt codes summarised in
 * README.md beside this file. Where the field notes and the sender's built-in table
 * (lib/sender/cmpp/receipts/stat-codes.ts) disagree, the field notes win: REJECTD, DELETED and
 * UNKNOWN say too little to blame the carrier, so they start as "other" (category unknown).
 * Every row is only a starting point: operators correct them per provider on the Providers page.
 */
import { DEFAULT_CMPP_STAT_CODES } from "@/lib/sender/cmpp/receipts/stat-codes";
import { JSMS_ERROR_CODES } from "@/lib/sender/jsms/errors";
import { DEFAULT_JSMS_REPORT_CODES } from "@/lib/sender/jsms/report-codes";
import type { OutcomeCategory } from "@/lib/sender/outcome";
import type { ReceiptCodeRow, ReceiptOutcome } from "./receipt-code-schema";

type Seed = ReceiptCodeRow;

function seed(code: string, category: OutcomeCategory, description: string, descriptionZh: string, outcome?: ReceiptOutcome): Seed {
  return { code, outcome: outcome ?? (category === "delivered" ? "delivered" : "failed"), category, description, descriptionZh };
}

/** The CMPP specification's Stat values (table 1 of 8.4.5.1), for every CMPP provider. */
export const SPEC_STAT_SEEDS: readonly Seed[] = [
  seed("DELIVRD", "delivered", "Delivered to the handset.", "已送达手机。"),
  seed(
    "ACCEPTD",
    "unknown",
    "Accepted by the SMSC, not final: a final report should follow (gateways should not pass it on; some do).",
    "短信中心已接收，尚未送达：这是中间状态，之后应有最终状态报告（网关本不应转发此状态，但有的会转发）。",
    "pending",
  ),
  seed("EXPIRED", "expired", "Validity period passed: the handset was off or out of service too long.", "超过有效期：手机关机或不在服务区的时间过长。"),
  seed("UNDELIV", "handset_off", "Undeliverable: the number is suspended, barred or in a wrong state.", "无法送达：号码停机、被限制或状态异常。"),
  seed("REJECTD", "unknown", "Refused by the SMSC (the reason differs per gateway).", "被短信中心拒绝（具体原因因网关而异）。"),
  seed("DELETED", "unknown", "Deleted before delivery.", "送达前已被删除。"),
  seed("UNKNOWN", "unknown", "State unknown.", "状态未知。"),
];

/** Simplified Chinese for every other row of the sender's built-in CMPP table. */
const STAT_CODES_ZH: Readonly<Record<string, string>> = {
  DTBLACK: "目标号码在黑名单中。",
  BLACK: "号码在黑名单中。",
  KEYWORD: "被关键字过滤拦截。",
  SIGFAIL: "签名（【…】）未通过审核。",
  NOROUTE: "没有到目标号码的路由。",
  "MK:0000": "常见于号码不存在（空号）。",
  "MK:0001": "未知用户：归属位置寄存器（HLR）中没有该号码（空号）。",
  "MK:0002": "移动交换中心（MSC）无法识别该用户（未在该处登记）。",
  "MK:0003": "非法用户：手机鉴权失败。",
  "MK:0004": "该用户未开通此电信业务。",
  "MK:0005": "呼叫限制：该用户的短信业务被禁止（停机）。",
  "MK:0006": "闭合用户群拒绝。",
  "MK:0007": "用户的 HLR 不支持该功能。",
  "MK:0008": "用户不可及：不在服务区。",
  "MK:0009": "用户不可及（已设置消息等待标志）。",
  "MK:0010": "短信送达失败。",
  "MK:0011": "HLR 中的消息等待列表已满。",
  "MK:0012": "常见于号码不存在（空号）。",
  "MK:0013": "常见于号码停机。",
  "MK:0015": "手机接收时出错。",
  "MK:0017": "手机存储空间已满。",
  "MK:0022": "非法设备（IMEI）。",
  "MK:0023": "用户正在收发其他短信，忙。",
  "MK:0024": "手机已关机。",
  "MI:0013": "常见于号码停机。",
  "MI:0024": "手机已关机。",
  "MN:0001": "常见于号码不存在（空号）。",
  "MN:0013": "常见于号码停机。",
  "MN:0054": "号码停机或手机关机。",
  "MB:0011": "短信中心拒绝了目标地址。",
  "MB:1026": "达到短信中心的许可上限（吞吐量）。",
  "MB:1042": "短信中心为该接收方排队的短信过多。",
  "MB:1043": "用户不存在或无效。",
  "MB:1070": "短信中心流量控制（拥塞）。",
  "MB:1077": "接收方在短信中心的黑名单中。",
  "MB:1078": "该短信没有投递路由。",
  "MA:0051": "网关与短信中心之间没有连接。",
  "MA:0052": "网关未登录短信中心。",
  "MA:0053": "向短信中心发送失败。",
  "MA:0054": "短信中心未及时应答。",
  "MC:0001": "短信中心未向网关返回状态报告。",
  "MC:0151": "短信中心未向网关返回状态报告。",
  "DB:0010": "业务管理平台（DSMP）流量控制。",
  "DB:0100": "号码不存在。",
  "DB:0101": "号码错误。",
  "DB:0102": "用户已停机。",
  "DB:0103": "用户已欠费。",
  "DB:0141": "用户在黑名单中。",
  "DB:0142": "超过每日下行条数上限。",
  "DB:0143": "超过每月下行条数上限。",
  "DB:0144": "用户在全局黑名单中。",
  "DB:0145": "用户在企业黑名单中。",
  "DB:0146": "用户在 SP 黑名单中。",
  "DB:0151": "内容签名校验失败。",
  "IA:0051": "网关与下一级网关之间没有连接。",
  "IA:0054": "下一级网关未及时应答。",
  "IB:0008": "下一级网关流量控制。",
  "IC:0001": "下一级网关未返回状态报告。",
  "IC:0151": "下一级网关未返回状态报告。",
  "ID:0008": "网关流量控制。",
  "ID:0013": "目标号码错误。",
  "ID:0045": "超过每月发送上限。",
  "ID:0046": "超过每日发送上限。",
  "ID:0069": "号码在黑名单中。",
  "ID:0070": "网络断开，或目标方关闭了接口。",
  "ID:0072": "没有路由。",
  "ID:0076": "信息安全（内容）检查未通过。",
  "ID:0096": "号码在发送方黑名单中。",
  "ID:0097": "号码在接收方黑名单中。",
  "ID:0100": "号码不存在。",
  "ID:0101": "号码错误。",
  "ID:0102": "用户已停机。",
  "ID:0103": "用户已欠费。",
  "ID:0141": "用户在黑名单中。",
  "ID:0142": "超过每日下行条数上限。",
  "ID:0143": "超过每月下行条数上限。",
  "ID:0310": "短信在网关处已过期。",
  "ID:0311": "网关流量控制。",
  "ID:0318": "被关键字过滤拦截。",
};

const SPEC_CODES = new Set(SPEC_STAT_SEEDS.map((row) => row.code));

function withChinese(code: string): string {
  const zh = STAT_CODES_ZH[code];
  // A row added to the sender's table without its Chinese text is a mistake to see at once (the seeding test).
  if (zh === undefined) throw new Error(`receipt-code seeds: no Chinese description for ${code}`);
  return zh;
}

/** China Mobile's code families (gateway, SMSC, DSMP, next gateway) from the sender's table, spec values left out. */
const SENDER_TABLE_SEEDS: readonly Seed[] = DEFAULT_CMPP_STAT_CODES.filter((row) => !SPEC_CODES.has(row.code)).map((row) =>
  seed(row.code, row.category, row.description, withChinese(row.code), row.final ? undefined : "pending"),
);

/** The gateway's (MA:) and billing platform's (CB:) codes attested in the field notes. */
const CHINA_MOBILE_FIELD_SEEDS: readonly Seed[] = [
  seed("MA:0001", "blacklisted", "The number is on the global blacklist.", "号码在全局黑名单中。"),
  seed("MA:0002", "content_rejected", "Illegal content.", "内容违规。"),
  seed("MA:0003", "unknown", "No route.", "无路由。"),
  seed("MA:0005", "invalid_number", "The destination number's format is wrong.", "目标号码格式错误。"),
  seed("MA:0006", "carrier_block", "Refused by the system.", "系统拒绝。"),
  seed("MA:0012", "content_rejected", "Blocked by the anti-phishing check.", "被防钓鱼（反诈骗）检查拦截。"),
  seed("MA:0021", "invalid_number", "The destination number's format is wrong.", "目标号码格式错误。"),
  seed("MA:0022", "rate_limited", "Per-number frequency limit reached.", "超过单个号码的发送频率限制。"),
  seed("MA:0023", "blacklisted", "The number is on the customer's blacklist.", "号码在客户黑名单中。"),
  seed("MA:0024", "content_rejected", "Content not registered: the template has not been filed.", "内容未报备：模板未备案。"),
  seed("CB:0001", "invalid_number", "The subscriber does not exist.", "用户不存在。"),
  seed("CB:0007", "no_balance", "Insufficient balance.", "余额不足。"),
  seed("CB:0018", "unknown", "Repeated message id.", "消息编号重复。"),
  seed("CB:0053", "invalid_number", "The subscriber does not exist.", "用户不存在。"),
];

/**
 * Aggregators' own words and numbers. Only those whose meaning the field notes state: bare numbers
 * such as 2, 3, 11 or 12 mean different things at each aggregator, so they surface as
 * unclassified for the operator to name rather than being guessed.
 */
const AGGREGATOR_SEEDS: readonly Seed[] = [
  seed("NOSEND", "content_rejected", "Not sent: the message has no signature (aggregator code).", "未发送：短信没有签名（通道商代码）。"),
  seed("HIGRISK", "blacklisted", "High-risk number: on the aggregator's blacklist.", "高风险号码：在通道商的黑名单中。"),
  seed("BLACK", "blacklisted", "The number is on a blacklist.", "号码在黑名单中。"),
  seed("HD:0001", "blacklisted", "The number is on a blacklist (aggregator code).", "号码在黑名单中（通道商代码）。"),
  seed("00138", "content_rejected", "No signature (reported by some aggregators for China Mobile).", "没有签名（部分通道商对中国移动号码返回此代码）。"),
];

const JSMS_REPORT_ZH: Readonly<Record<string, string>> = {
  "4001": "已送达。",
  "4002": "号码在运营商黑名单中，需由运营商解除。",
  "4003": "手机问题：关机、停机或不在服务区。",
  "4004": "号码不存在（空号）。",
  "4005": "应用的短信余额不足。",
  "4006": "发送过于频繁：超过运营商的频率限制。",
  "4007": "仅限语音：呼叫未接听或被拒绝。",
  "4008": "仅限语音：对方占线。",
  "4009": "仅限语音：无法接通（无信号、不在服务区或已呼叫转移）。",
  "4010": "内容含敏感词，被运营商拦截。",
  "4100": "其他错误。",
};

/** JSMS delivery-report statuses 4001–4100 (callback `status`). */
const JSMS_REPORT_SEEDS: readonly Seed[] = DEFAULT_JSMS_REPORT_CODES.map((row) => {
  const zh = JSMS_REPORT_ZH[row.code];
  if (zh === undefined) throw new Error(`receipt-code seeds: no Chinese description for JSMS status ${row.code}`);
  return seed(row.code, row.category, row.description, zh);
});

/**
 * JSMS API errors as they are stored on a message the API refused (plain numbers, "50006"). The
 * category and English text are the sender's (lib/sender/jsms/errors.ts), so the dispatcher and
 * the dictionary say the same; these are the codes that concern a message rather than a
 * verification-code or schedule call.
 */
const JSMS_API_ZH: Readonly<Record<number, string>> = {
  50001: "请求未携带 AppKey/MasterSecret（HTTP Basic 认证为空）。",
  50002: "AppKey 或 MasterSecret 被拒绝：请在极光控制台核对这两个值。",
  50006: "手机号码无效。",
  50009: "发送过快：达到 JSMS 的频率限制。",
  50013: "该应用下不存在此模板 ID。",
  50014: "应用的短信余额已用完：请在极光控制台充值。",
  50019: "JSMS 内部错误。",
  50020: "模板仍在极光审核中。",
  50021: "模板未通过极光审核。",
  50022: "模板参数缺失：并非所有占位符都已填写。",
  50023: "模板参数为空。",
  50024: "接收方已退订该发送方的短信。",
  50030: "批量发送没有接收方。",
  50031: "批量发送的接收方超过 1000 个。",
  50033: "应用未分配短信配额：请在极光控制台分配。",
  50034: "JSMS 拒绝向该号码重复发送同一条短信。",
  50035: "本服务器的 IP 地址不在该应用的 IP 白名单中（极光控制台）。",
  50036: "该极光应用已被列入黑名单。",
  50037: "短信内容含敏感词。",
  50043: "模板过长（含签名最多 350 个字符）。",
  50044: "模板参数无效。",
  50046: "该应用尚未设置短信签名：请在极光控制台设置。",
};

const JSMS_API_SEEDS: readonly Seed[] = Object.entries(JSMS_API_ZH).map(([code, zh]) => {
  const info = JSMS_ERROR_CODES[Number(code)];
  if (!info) throw new Error(`receipt-code seeds: ${code} is not a JSMS error code`);
  return seed(code, info.category, info.description, zh);
});

/** The provider ids the migration creates; a provider added by name gets `p_` and 10 hex digits. */
export const PRESET_PROVIDER_IDS = ["china_mobile", "china_unicom", "china_telecom", "other", "jsms"] as const;
export type PresetProviderId = (typeof PRESET_PROVIDER_IDS)[number];
/** The presets a CMPP channel may name by id (the REST API has always accepted these). */
export const CMPP_PRESET_IDS = ["china_mobile", "china_unicom", "china_telecom", "other"] as const;
const CARRIER_PRESETS = new Set<string>(["china_mobile", "china_unicom", "china_telecom"]);

function byCode(rows: readonly Seed[]): Seed[] {
  const map = new Map<string, Seed>();
  for (const row of rows) if (!map.has(row.code)) map.set(row.code, row);
  return [...map.values()];
}

/**
 * The seed dictionary of a provider: the three carriers get the spec values and China Mobile's
 * families (all three carriers' gateways pass the same ISMG codes through); `other` and every
 * provider added by name (aggregators, as a rule) the spec values and the aggregator codes; JSMS
 * its report statuses and API errors.
 */
export function seedCodesFor(provider: { id: string; kind: "cmpp" | "jsms" }): Seed[] {
  if (provider.kind === "jsms") return byCode([...JSMS_REPORT_SEEDS, ...JSMS_API_SEEDS]);
  if (CARRIER_PRESETS.has(provider.id)) return byCode([...SPEC_STAT_SEEDS, ...SENDER_TABLE_SEEDS, ...CHINA_MOBILE_FIELD_SEEDS]);
  return byCode([...SPEC_STAT_SEEDS, ...AGGREGATOR_SEEDS]);
}
