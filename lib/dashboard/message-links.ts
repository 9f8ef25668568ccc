/**
 * Links from the dashboard's figures to the messages behind them, on the message list
 * (`/messages?channelKey=&category=&code=&provider=&sendId=&from=&to=&status=`). One function, so
 * every bar, slice, count and table row says the same thing the same way. Times are ISO instants.
 */

export interface MessageListFilter {
  channelKey?: string;
  provider?: string;
  sendId?: string;
  status?: string;
  category?: string;
  code?: string;
  from?: Date | string;
  to?: Date | string;
}

const ORDER = ["channelKey", "provider", "sendId", "status", "category", "code", "from", "to"] as const;

export function messagesHref(filter: MessageListFilter): string {
  const params = new URLSearchParams();
  for (const key of ORDER) {
    const value = filter[key];
    if (value === undefined || value === "") continue;
    params.set(key, value instanceof Date ? value.toISOString() : value);
  }
  const search = params.toString();
  return `/messages${search ? `?${search}` : ""}`;
}

/** The scope every link of one dashboard view shares: its channel, provider, send and range. */
export interface LinkScope {
  channelKey?: string;
  provider?: string;
  sendId?: string;
  /** Left out for one send's analysis, which covers the whole send. */
  from?: Date | string;
  to?: Date | string;
}

export function scopedMessagesHref(scope: LinkScope, filter: Omit<MessageListFilter, keyof LinkScope> & Partial<LinkScope>): string {
  return messagesHref({ ...scope, ...filter });
}
