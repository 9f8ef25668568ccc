/** The JSMS (Jiguang SMS) protocol side: client, error codes, report codes, callbacks, sandbox. */
export {
  DEFAULT_JSMS_BASE_URL,
  JSMS_BATCH_LIMIT,
  JsmsClient,
  describeBalance,
  testJsmsConnection,
  type BatchRecipientResult,
  type BatchSendResult,
  type BatchTemplateMessage,
  type ConnectionTestResult,
  type JsmsBalance,
  type JsmsClientOptions,
  type JsmsCredentials,
  type RecipientFailure,
  type TemplateMessage,
  type TemplateParams,
} from "@/lib/sender/jsms/client";
export {
  JSMS_ERROR_CODES,
  JsmsError,
  describeJsmsErrorCode,
  isRetryableHttpStatus,
  type JsmsErrorInfo,
  type JsmsErrorScope,
  type JsmsSendOutcome,
  type JsmsTransportCode,
} from "@/lib/sender/jsms/errors";
export { DEFAULT_RETRY_POLICY, computeBackoffDelay, withRetry, type RetryHooks, type RetryPolicy } from "@/lib/sender/jsms/retry";
export { DEFAULT_JSMS_REPORT_CODES, classifyJsmsReport } from "@/lib/sender/jsms/report-codes";
export {
  DEFAULT_CALLBACK_MAX_AGE_MS,
  DEFAULT_CALLBACK_MAX_FUTURE_SKEW_MS,
  JSMS_CALLBACK_TYPES,
  authenticateCallback,
  buildCallbackForm,
  checkCallbackTimestamp,
  computeCallbackSignature,
  generateCallbackNonce,
  parseCallbackForm,
  verifyCallbackSignature,
  type CallbackAuthentication,
  type CallbackFormFields,
  type CallbackParseResult,
  type JsmsCallback,
  type JsmsCallbackEvent,
  type JsmsCallbackType,
  type JsmsDeliveryReport,
  type JsmsReply,
  type JsmsSignReview,
  type JsmsTemplateReview,
  type TimestampCheck,
  type TimestampWindow,
} from "@/lib/sender/jsms/callback";
export { JsonSyntaxError, parseJsonExact, type JsonValue } from "@/lib/sender/jsms/json-exact";
export { msgIdSchema } from "@/lib/sender/jsms/msg-id";
export {
  startJsmsSandbox,
  type JsmsSandbox,
  type JsmsSandboxOptions,
  type JsmsSandboxStats,
  type SandboxAcceptedCopies,
  type SandboxApp,
  type SandboxFaults,
  type SandboxLimits,
  type SandboxMessage,
  type SandboxReportOptions,
  type SandboxTemplate,
} from "@/lib/sender/jsms/sandbox/server";
