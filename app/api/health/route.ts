import { NextResponse } from "next/server";
import { healthReport } from "@/lib/server/health";

export const dynamic = "force-dynamic";

/** Liveness and readiness: 200 only when the database answers. No authentication. */
export async function GET() {
  const report = await healthReport();
  return NextResponse.json(report, { status: report.ok ? 200 : 503 });
}
