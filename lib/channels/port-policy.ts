/**
 * Enterprise firewalls open only the usual web and mail ports by default. Any other gateway port
 * (CMPP's standard 7890 included) is accepted, but the operator must explain it to business
 * support so the outbound rule gets approved. One rule, used by the form, the API and the pages.
 */
export const PORTS_WITHOUT_APPROVAL: readonly number[] = [80, 443, 25, 465];

export interface ChannelWarning {
  code: "port_needs_approval";
  message: string;
}

export function portNeedsApproval(port: number): boolean {
  return !PORTS_WITHOUT_APPROVAL.includes(port);
}
