/**
 * `npm run reliability`: the kill-at-random trials and the bad-input probes of issue 10, against the real
 * CLI. Not part of `npm test` (it takes tens of minutes). Prints `identical: k/N`, the stale `running`
 * rows left, and a table of probes with PASS/FAIL/SKIP; exits 1 unless every trial is identical with no
 * stale rows and no probe fails.
 *
 *   npm run reliability -- [--trials 20] [--seed 1] [--only <probe-id regex>] [--no-trials] [--no-probes] [--dir <work dir>]
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureTestModel } from "../../src/models/test-model.js";
import { ensureTinyModel } from "../../src/models/tiny/cache.js";
import { terminalTable } from "../../src/report/table.js";
import { killTrials } from "./kill-trials.js";
import { runProbes, type ProbeContext } from "./probes.js";

const { values: a } = parseArgs({
  options: {
    trials: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    only: { type: "string" },
    "no-trials": { type: "boolean", default: false },
    "no-probes": { type: "boolean", default: false },
    dir: { type: "string" },
  },
});
process.env.SOCIETY_LLAMA_THREADS ??= "1";
const dir = a.dir ?? mkdtempSync(join(tmpdir(), "society-reliability-"));
const log = (l: string) => process.stderr.write(`${l}\n`);
log(`work dir: ${dir}`);
const t0 = Date.now();

await ensureTinyModel("test", { progress: (l) => log(`  ${l}`) });
const ctx: ProbeContext = { dir: join(dir, "probes"), testModel: await ensureTestModel() };
let ok = true;
const lines: string[] = [];

if (!a["no-trials"]) {
  const trials = Number(a.trials);
  const { report, reference } = await killTrials({ dir: join(dir, "kill"), trials, seed: Number(a.seed), log });
  ctx.reference = { db: reference.db, runId: readdirSync(reference.out).find((f) => f.startsWith("reliability-"))! };
  const identical = report.trials.filter((t) => t.identical).length;
  const stale = report.trials.reduce((s, t) => s + Math.max(0, t.staleRunning), 0);
  const killed = report.trials.filter((t) => t.killed).length;
  const abandoned = report.trials.reduce((s, t) => s + t.abandoned, 0);
  lines.push(
    `kill trials: ${trials} (seed ${a.seed}; ${killed} killed mid-run, the rest after it had finished); reference run ${(report.referenceMs / 1000).toFixed(1)} s`,
    `identical: ${identical}/${trials}`,
    `stale running rows (runs + training_jobs) after resume: ${stale}`,
    `killed training attempts marked abandoned: ${abandoned}`,
  );
  for (const t of report.trials.filter((t) => !t.identical))
    lines.push(`  trial ${t.trial} (kill at ${(t.killAtMs / 1000).toFixed(1)} s) differs: ${t.diff.join("; ")}`);
  if (identical !== trials || stale > 0) ok = false;
}

if (!a["no-probes"]) {
  const results = await runProbes(ctx, { only: a.only ? new RegExp(a.only) : undefined, log });
  const count = (v: string) => results.filter((r) => r.verdict === v).length;
  lines.push(
    "",
    terminalTable({
      header: ["probe", "§2", "verdict", "what", "detail"],
      rows: results.map((r) => [
        r.id,
        r.point,
        r.verdict,
        r.what,
        `${r.verdict === "FAIL" && r.from ? `[fix from the ${r.from} branch] ` : ""}${r.detail}`.slice(0, 140),
      ]),
    }),
  );
  lines.push("", `probes: ${count("PASS")} PASS, ${count("FAIL")} FAIL, ${count("SKIP")} SKIP of ${results.length}`);
  const pending = results.filter((r) => r.verdict === "FAIL" && r.from);
  if (pending.length)
    lines.push(`  of the failures, ${pending.length} await fixes from another branch: ${pending.map((r) => r.id).join(", ")}`);
  if (count("FAIL") > 0) ok = false;
}

lines.push("", `${((Date.now() - t0) / 60000).toFixed(1)} min; work dir ${dir}`);
process.stdout.write(`${lines.join("\n")}\n`);
process.exitCode = ok ? 0 : 1;
