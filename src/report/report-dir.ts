import { join } from "node:path";
import type { ReportData } from "./types.js";

/**
 * Where a report goes: one run → `<out>/<run-id>/report`; several runs (seeds) → beside the first run's
 * own report, `<out>/<first-run-id>/report-seeds-1-2-3`, so a multi-seed summary never overwrites a
 * single run's report (nor the other way round).
 */
export function reportDir(outRoot: string, data: Pick<ReportData, "runIds" | "seeds">): string {
  const first = data.runIds[0]!;
  return data.runIds.length > 1 ? join(outRoot, first, `report-seeds-${data.seeds.join("-")}`) : join(outRoot, first, "report");
}
