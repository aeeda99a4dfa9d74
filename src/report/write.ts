import { writeDirAtomic, type WriteFile } from "./atomic-dir.js";
import { allCharts, svgToPng, toSvg } from "./charts.js";
import { resultsJson } from "./results-json.js";
import { configYaml, costRows, runFacts } from "./header.js";
import { EFFICIENCY_NOTE, efficiencyTable } from "./efficiency.js";
import { GRAPH_NOTE, graphRows } from "./graphs.js";
import { accuracyRows, diversityRows, learnerRows, markdownTable, significanceRows, societyRows, treeRows } from "./table.js";
import type { ReportData } from "./types.js";

const COST_NOTE =
  "Summed over seeds. Generation time adds up each turn's latency, so turns generated concurrently count in full (it exceeds wall time); " +
  'training time adds up the succeeded training jobs. A shared debate ("base": the untrained society, used by several methods) has its own row.';

const DIVERSITY_NOTE =
  "Consensus: share of agents agreeing with the plurality answer (lower = more diverse). Cross-agent NLL: mean per-token NLL of one generator's round-1 responses under another. " +
  "KL: Monte-Carlo estimate of KL between generators per token. Likelihood diversity (paper §4.2): each critic, held out in turn, scores the other critics' final-round responses (mean per-token NLL; higher = more diverse). " +
  "KL to base: per-token KL of each agent's own responses from the frozen base model, mean over agents. Embedding dissimilarity: mean cosine distance between the embeddings of the generators' round-1 responses to a question (higher = more diverse).";
const SOCIETY_NOTE =
  "Per-sample: mean accuracy of the agents' independent round-1 answers; maj@N: the vote over them (ties split evenly). Label precision: share of a training set's rows whose pseudo-label ŷ is right against gold " +
  "(column l = the data iteration l trained on; diagnosis only, never used for training).";
const SIGNIFICANCE_NOTE =
  "Paired bootstrap over test questions (pooled over seeds, 2,000 resamples): accuracy difference in points, 95% interval, two-sided p.";

export interface WrittenReport {
  dir: string;
  files: string[];
}

/** What a report folder holds; only such a folder (or an empty one) is replaced by a new report. */
const isReportFile = (name: string) => /^(results\.json|report\.(md|html)|[\w.-]+\.png)$/.test(name);

/**
 * Writes report.md, report.html (self-contained: charts inlined as SVG), PNG charts and results.json as
 * the folder `dir`, all or nothing (see writeDirAtomic): a failure part-way leaves the previous report.
 */
export async function writeReport(data: ReportData, dir: string, opts: { writeFile?: WriteFile } = {}): Promise<WrittenReport> {
  const files = await writeDirAtomic(dir, (put) => fillReport(data, put), {
    what: "report",
    replaceable: (names) => names.every(isReportFile),
    writeFile: opts.writeFile,
  });
  return { dir, files };
}

async function fillReport(data: ReportData, put: (name: string, body: string | Buffer) => void): Promise<void> {
  put("results.json", JSON.stringify(resultsJson(data), null, 2) + "\n");

  const charts = await Promise.all(allCharts(data).map(async (c) => ({ ...c, svg: await toSvg(c.spec) })));
  for (const c of charts) put(`${c.name}.png`, svgToPng(c.svg));

  const acc = markdownTable(accuracyRows(data));
  // The interaction-graph charts go in their own section; the others follow the accuracy table.
  const isGraph = (c: { name: string }) => c.name.startsWith("graph-") || c.name === "efficiency";
  const graphs = data.graphs?.length ? graphRows(data.graphs) : null;
  const eff = data.efficiency?.length ? efficiencyTable(data.efficiency) : null;
  const effChart = charts.filter((c) => c.name === "efficiency");
  const graphCharts = charts.filter((c) => c.name.startsWith("graph-"));
  const div = diversityRows(data);
  const trees = treeRows(data);
  const TREE_NOTE =
    "Each iteration's training data: the trees its agents of the previous iteration grew on the train split (n answers × n critiques × n refinements per question). " +
    "Share right: leaves whose answer is right. SFT rows: nodes valued above the threshold; pairs: correct vs incorrect siblings (DPO, verifier and refiner).";
  const learners = learnerRows(data);
  const LEARNER_NOTE =
    "Accuracy (%) of each method's learner alone (one answer per test question) and in a debate of copies of it (`<method>+debate`); iteration 0 is the untrained learner. " +
    "Discussion columns: the train-split discussions that iteration trained on — remarks of each kind, the share of remarks whose answer was the claim the partner was asked to back or argue for, " +
    "the share of discussions whose learner ended on the reference answer, and the learner's training rows.";
  const soc = societyRows(data);
  const sig = significanceRows(data);
  const seedsLine =
    data.seeds.length > 1
      ? `Seeds ${data.seeds.join(", ")}: cells are mean ± std across seeds.`
      : `Seed ${data.seeds.join(", ")}: cells are accuracy ± binomial standard error (%).`;
  const sum = data.summary;
  const md = [
    `# ${data.title}`,
    "",
    ...(sum
      ? [markdownTable(runFacts(data, sum)), ""]
      : [`Task: **${data.task}** · runs: ${data.runIds.map((r) => `\`${r}\``).join(", ")}`, ""]),
    "## Accuracy (%)",
    "",
    seedsLine,
    "",
    acc,
    "",
    ...(sig.rows.length ? [markdownTable(sig), "", SIGNIFICANCE_NOTE, ""] : []),
    ...(soc.rows.length ? ["## Society", "", markdownTable(soc), "", SOCIETY_NOTE, ""] : []),
    ...(sum ? ["## Time and tokens per method", "", markdownTable(costRows(sum)), "", COST_NOTE, ""] : []),
    "## Charts",
    "",
    ...charts.filter((c) => !isGraph(c)).map((c) => `**${c.title}**\n\n![${c.title}](${c.name}.png)\n`),
    "## Diversity",
    "",
    div.rows.length ? markdownTable(div) : "_No diversity metrics recorded._",
    "",
    DIVERSITY_NOTE,
    "",
    ...(trees.rows.length ? ["## Search trees (MALT)", "", markdownTable(trees), "", TREE_NOTE, ""] : []),
    ...(learners.rows.length ? ["## Learner alone and in debate (SAIE)", "", markdownTable(learners), "", LEARNER_NOTE, ""] : []),
    ...(eff
      ? [
          "## Efficiency: teachers' debate vs the distilled student",
          "",
          EFFICIENCY_NOTE,
          "",
          markdownTable(eff),
          "",
          ...effChart.map((c) => `![${c.title}](${c.name}.png)\n`),
        ]
      : []),
    ...(graphs
      ? [
          "## Interaction graphs",
          "",
          GRAPH_NOTE,
          "",
          markdownTable(graphs),
          "",
          ...graphCharts.map((c) => `![${c.title}](${c.name}.png)\n`),
        ]
      : []),
    ...(sum ? ["## Full config", "", "```yaml", configYaml(sum).trimEnd(), "```", ""] : []),
  ].join("\n");
  put("report.md", md);

  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const htmlTable = (t: { header: string[]; rows: string[][] }) =>
    `<table><thead><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  const css = [
    "body{font-family:system-ui,'DejaVu Sans',sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}",
    "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}",
    "table.facts td{text-align:left}table.facts td:first-child{color:#555;white-space:nowrap}",
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1.5em 2em;align-items:start}",
    "figure{margin:0}figcaption{font-weight:600;margin-bottom:.4em}figure svg{max-width:100%;height:auto}",
    ".note{font-size:90%;color:#555;max-width:80ch}pre{background:#f6f6f6;padding:1em;overflow:auto}",
  ].join("\n");
  const facts = sum
    ? `<table class="facts"><tbody>${runFacts(data, sum)
        .rows.map(([k, v]) => `<tr><td>${esc(k!)}</td><td>${esc(v!)}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p>Task: <b>${esc(data.task)}</b> · runs: ${data.runIds.map(esc).join(", ")}</p>`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(data.title)}</title>
<style>${css}</style></head><body>
<header><h1>${esc(data.title)}</h1>${facts}</header>
<h2>Accuracy (%)</h2><p class="note">${esc(seedsLine)}</p>${htmlTable(accuracyRows(data))}
${sig.rows.length ? `${htmlTable(sig)}<p class="note">${esc(SIGNIFICANCE_NOTE)}</p>` : ""}
${soc.rows.length ? `<h2>Society</h2>${htmlTable(soc)}<p class="note">${esc(SOCIETY_NOTE)}</p>` : ""}
${sum ? `<h2>Time and tokens per method</h2>${htmlTable(costRows(sum))}<p class="note">${esc(COST_NOTE)}</p>` : ""}
<h2>Charts</h2><div class="charts">
${charts
  .filter((c) => !isGraph(c))
  .map((c) => `<figure id="chart-${c.name}"><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`)
  .join("\n")}
</div>
<h2>Diversity</h2>${div.rows.length ? htmlTable(div) : "<p>No diversity metrics recorded.</p>"}<p class="note">${esc(DIVERSITY_NOTE)}</p>${trees.rows.length ? `\n<h2>Search trees (MALT)</h2>${htmlTable(trees)}<p class="note">${esc(TREE_NOTE)}</p>` : ""}${learners.rows.length ? `\n<h2>Learner alone and in debate (SAIE)</h2>${htmlTable(learners)}<p class="note">${esc(LEARNER_NOTE)}</p>` : ""}
${eff ? `<h2>Efficiency: teachers' debate vs the distilled student</h2><p class="note">${esc(EFFICIENCY_NOTE)}</p>${htmlTable(eff)}<div class="charts">${effChart.map((c) => `<figure id="chart-${c.name}"><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`).join("\n")}</div>` : ""}
${graphs ? `<h2>Interaction graphs</h2><p class="note">${esc(GRAPH_NOTE)}</p>${htmlTable(graphs)}<div class="charts">${graphCharts.map((c) => `<figure id="chart-${c.name}"><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`).join("\n")}</div>` : ""}
${sum ? `<details><summary>Full config</summary><pre>${esc(configYaml(sum))}</pre></details>` : ""}
</body></html>\n`;
  put("report.html", html);
}
