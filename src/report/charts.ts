import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { efficiencyChart } from "./efficiency.js";
import { graphCharts } from "./graphs.js";
import type { ReportData } from "./types.js";

export interface Chart {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

const width = 420;
const height = 260;
/** Legends never shorten a label (vega's default cuts at 160 px: "multiagent-ft: cri…"). */
const legend = { labelLimit: 0, titleLimit: 0, orient: "bottom", direction: "horizontal", columns: 3 } as const;

/** A row of panels per method, each labelled in full on its left. */
const methodRows = {
  field: "method",
  type: "nominal",
  title: null,
  header: { labelAngle: 0, labelAlign: "left", labelLimit: 0, labelFontWeight: "bold" },
} as const;

/** Accuracy vs iteration per method, with a ±1 stderr band. */
export function accuracyChart(data: ReportData): Chart {
  const values = Object.entries(data.methods).flatMap(([method, s]) =>
    s.accuracy.map((a, i) => ({ method, iteration: i, accuracy: a, lo: a - (s.stderr[i] ?? 0), hi: a + (s.stderr[i] ?? 0) })),
  );
  return {
    name: "accuracy",
    title: "Test accuracy by iteration",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width,
      height,
      data: { values },
      encoding: {
        x: { field: "iteration", type: "ordinal", title: "iteration (0 = before finetuning)", axis: { labelAngle: 0 } },
        // Opaque swatches: the legend would otherwise take the 15%-opacity band's.
        color: { field: "method", type: "nominal", legend: { ...legend, symbolOpacity: 1 } },
      },
      layer: [
        {
          mark: { type: "area", opacity: 0.15 },
          encoding: { y: { field: "lo", type: "quantitative", title: "accuracy" }, y2: { field: "hi" } },
        },
        { mark: { type: "line", point: true }, encoding: { y: { field: "accuracy", type: "quantitative", scale: { zero: false } } } },
      ],
    } as TopLevelSpec,
  };
}

/** The diversity metrics as small multiples: a panel per metric, each with its own y scale, a line per method. */
export function diversityChart(data: ReportData): Chart | undefined {
  const values = Object.entries(data.methods).flatMap(([method, s]) =>
    Object.entries(s.diversity).flatMap(([metric, xs]) =>
      xs.map((v, i) => ({ method, metric, iteration: i, value: Number.isFinite(v) ? v : null })),
    ),
  );
  if (!values.length) return undefined;
  return {
    name: "diversity",
    title: "Diversity metrics by iteration (one panel per metric, own y scale)",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values },
      facet: { field: "metric", type: "nominal", title: null, header: { labelFontSize: 12, labelFontWeight: "bold", labelLimit: 0 } },
      columns: 2,
      resolve: { scale: { y: "independent" } },
      spec: {
        width: 230,
        height: 140,
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "iteration", type: "ordinal", axis: { labelAngle: 0 } },
          y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
          color: { field: "method", type: "nominal", legend },
        },
      },
    } as TopLevelSpec,
  };
}

/** Per-agent training-set sizes: a panel per method, a bar per agent within each iteration. */
export function datasetSizeChart(data: ReportData): Chart {
  return {
    name: "dataset-sizes",
    title: "Training rows per agent and iteration",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: data.agents.map((a) => ({ method: a.method, agent: a.agent, iteration: a.iteration, rows: a.datasetRows })) },
      facet: { row: methodRows },
      // A single-model method's one bar is centred in its iteration, not placed in a society agent's slot.
      resolve: { scale: { xOffset: "independent" } },
      spec: {
        width: 420,
        height: 120,
        mark: "bar",
        encoding: {
          x: { field: "iteration", type: "ordinal", axis: { labelAngle: 0 } },
          xOffset: { field: "agent" },
          y: { field: "rows", type: "quantitative", title: "rows" },
          color: { field: "agent", type: "nominal", legend },
        },
      },
    } as TopLevelSpec,
  };
}

/** Training loss curves: a row of panels per method, a panel per iteration, a line per agent. */
export function lossChart(data: ReportData): Chart {
  const values = data.agents.flatMap((a) =>
    a.lossCurve.map((p) => ({ method: a.method, agent: a.agent, iteration: `iteration ${a.iteration}`, step: p.step, loss: p.loss })),
  );
  return {
    name: "training-loss",
    title: "Training loss per agent",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values },
      facet: {
        row: methodRows,
        column: { field: "iteration", type: "nominal", title: null },
      },
      spec: {
        width: 220,
        height: 140,
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x: { field: "step", type: "quantitative" },
          y: { field: "loss", type: "quantitative", scale: { zero: false } },
          color: { field: "agent", type: "nominal", legend },
        },
      },
    } as TopLevelSpec,
  };
}

export function allCharts(data: ReportData): Chart[] {
  const charts = [accuracyChart(data)];
  const diversity = diversityChart(data);
  if (diversity) charts.push(diversity);
  if (data.agents.length) charts.push(datasetSizeChart(data));
  if (data.agents.some((a) => a.lossCurve.length)) charts.push(lossChart(data));
  if (data.efficiency?.length) charts.push(efficiencyChart(data.efficiency));
  charts.push(...graphCharts(data.graphs ?? []));
  return charts;
}

/** Renders a vega-lite spec to SVG text (no browser, no canvas). */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** SVG → PNG at 2× for sharp text. */
export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return Buffer.from(r.render().asPng());
}
