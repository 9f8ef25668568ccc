import { NextResponse } from "next/server";

/** Liveness: the process answers HTTP. Touches nothing else (readiness is /api/health). */
export function GET() {
  return NextResponse.json({ ok: true });
}
