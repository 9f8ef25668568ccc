import { NextResponse, type NextRequest } from "next/server";
import { receiveJsmsCallback } from "@/lib/messages/jsms-callback-intake";
import { errorResponse } from "@/lib/api/handler";
import { getRuntime } from "@/lib/server/runtime";

/**
 * Jiguang's "sending status callback" for one channel. No API key: every POST is authorised by
 * its signature (checked in lib/messages/jsms-callback-intake.ts with the channel's own keys).
 */
type Route = { params: Promise<{ channelKey: string }> };

/** Jiguang checks the URL first with ?echostr=…, expecting the raw value back. */
export async function GET(req: NextRequest) {
  const echostr = req.nextUrl.searchParams.get("echostr");
  if (echostr === null) {
    return NextResponse.json({ error: { code: "echostr_missing", message: "Jiguang checks this URL with ?echostr=…", details: [] } }, { status: 400 });
  }
  return new Response(echostr, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

export async function POST(req: NextRequest, route: Route) {
  const requestId = crypto.randomUUID();
  try {
    const { channelKey } = await route.params;
    const declared = Number(req.headers.get("content-length") ?? 0);
    if (declared > 64 * 1024) {
      return NextResponse.json({ error: { code: "payload_too_large", message: "A callback is at most 64 KiB.", details: [] } }, { status: 413 });
    }
    const text = await req.text();
    const answer = await receiveJsmsCallback(await getRuntime(), channelKey, new URLSearchParams(text));
    return NextResponse.json(answer.body, { status: answer.status, headers: { "x-request-id": requestId } });
  } catch (error) {
    return errorResponse(error, requestId, req);
  }
}
