"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useMemo } from "react";
import { apiFetch } from "@/lib/api/client";
import {
  filterToSearchParams,
  hasFilter,
  MESSAGE_LIST_FILTER_KEYS,
  messageListFilterSchema,
  searchParamsObject,
  type MessageListFilter,
} from "@/lib/messages/list/message-list-filter";
import type { MessageListPage } from "@/lib/messages/list/message-list-query";
import { useCursorPages } from "../table";
import { useExplainError } from "../use-messages";
import { Alert, Card } from "../ui";
import { MessageExport } from "./message-export";
import { MessageFilterBar } from "./message-filter-bar";
import { MessageTable } from "./message-table";

const PAGE_SIZE = 50;

/**
 * Every message, filtered on the server by the filters in the page's address
 * (`/messages?category=…&channelKey=…&code=…&from=…&to=…&sendId=…`), paged by the server's
 * cursor, with the export of the whole filtered list.
 */
export function MessageList() {
  const t = useTranslations("messageList");
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const address = params.toString();
  const parsed = useMemo(() => messageListFilterSchema.safeParse(searchParamsObject(new URLSearchParams(address))), [address]);
  const filter: MessageListFilter = parsed.success ? parsed.data : {};
  const addressErrors = parsed.success ? undefined : Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message]));
  const key = parsed.success ? filterToSearchParams(filter).toString() : address;

  const apply = (next: MessageListFilter) => {
    const query = filterToSearchParams(next).toString();
    // Other parameters of the page (the dashboard's range, say) stay as they are.
    const kept = new URLSearchParams(address);
    for (const name of [...kept.keys()]) if ((MESSAGE_LIST_FILTER_KEYS as readonly string[]).includes(name)) kept.delete(name);
    const merged = new URLSearchParams([...kept, ...new URLSearchParams(query)]);
    router.push(merged.size ? `${pathname}?${merged.toString()}` : pathname, { scroll: false });
  };

  return (
    <div className="space-y-6">
      {/* Keyed by the address: a link or Back that changes the filters starts the form afresh. */}
      <MessageFilterBar key={`filters-${address}`} filter={filter} errors={addressErrors} onApply={apply} />
      {parsed.success ? <MessageResults key={`results-${key}`} filter={filter} /> : <Alert>{t("filtersInvalid")}</Alert>}
    </div>
  );
}

function MessageResults({ filter }: { filter: MessageListFilter }) {
  const t = useTranslations("messageList");
  const explain = useExplainError();
  const pages = useCursorPages();
  const query = filterToSearchParams(filter);
  query.set("limit", String(PAGE_SIZE));
  if (pages.cursor) query.set("cursor", pages.cursor);
  const result = useQuery({
    queryKey: ["messages", "list", query.toString()],
    queryFn: () => apiFetch<MessageListPage>(`/api/v1/messages?${query.toString()}`),
    placeholderData: keepPreviousData,
  });
  const items = result.data?.items ?? [];
  return (
    <Card title={t("title")} actions={<MessageExport filter={filter} />}>
      {result.error ? <Alert>{explain(result.error)}</Alert> : null}
      {items.length > 0 ? (
        <MessageTable items={items} caption={t("title")} />
      ) : result.error ? null : (
        <p role="status" className="text-sm text-slate-500">
          {result.isLoading ? t("loading") : hasFilter(filter) ? t("empty") : t("emptyAll")}
        </p>
      )}
      {pages.pager(result.data?.nextCursor)}
    </Card>
  );
}
