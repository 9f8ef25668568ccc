import { NextResponse, type NextRequest } from "next/server";
import { callbackChannelKeySchema, isJsmsCallbackChannel, receiveJsmsCallback } from "@/lib/messages/jsms-callback-intake";
import { errorResponse } from "@/lib/api/handler";
import { readTextCapped } from "@/lib/http/read-body";
import { getRuntime } from "@/lib/server/runtime";
import { NotFoundError, ValidationError } from "@/lib/util/errors";

/**
 * Jiguang's "sending status callback" for one channel. No API key: every POST is authorised by
 * its signature (checked in lib/messages/jsms-callback-intake.ts with the channel's own keys).
 */
type Route = { params: Promise<{ channelKey: string }> };

/** A form of five short fields; anything larger is not from Jiguang. */
const MAX_CALLBACK_BYTES = 64 * 1024;

/** A key that cannot be a channel's names none: 404, as for an unknown one, before any query. */
async function channelKeyOf(route: Route): Promise<string | null> {
  const parsed = callbackChannelKeySchema.safeParse((await route.params).channelKey);
  return parsed.success ? parsed.data : null;
}

const noSuchChannel = () => new NotFoundError("channel_not_found", "No JSMS channel has this callback URL.");

/** Jiguang checks the URL first with ?echostr=…, expecting the raw value back; only a JSMS channel's URL passes. */
export async function GET(req: NextRequest, route: Route) {
  const requestId = crypto.randomUUID();
  try {
    const channelKey = await channelKeyOf(route);
    if (channelKey === null || !(await isJsmsCallbackChannel((await getRuntime()).db, channelKey))) throw noSuchChannel();
    const echostr = req.nextUrl.searchParams.get("echostr");
    if (echostr === null) throw new ValidationError("Jiguang checks this URL with ?echostr=…", [], "echostr_missing");
    return new Response(echostr, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
  } catch (error) {
    return errorResponse(error, requestId, req);
  }
}

export async function POST(req: NextRequest, route: Route) {
  const requestId = crypto.randomUUID();
  try {
    const channelKey = await channelKeyOf(route);
    if (channelKey === null) throw noSuchChannel();
    const text = await readTextCapped(req, MAX_CALLBACK_BYTES);
    const answer = await receiveJsmsCallback(await getRuntime(), channelKey, new URLSearchParams(text));
    return NextResponse.json(answer.body, { status: answer.status, headers: { "x-request-id": requestId } });
  } catch (error) {
    return errorResponse(error, requestId, req);
  }
}
