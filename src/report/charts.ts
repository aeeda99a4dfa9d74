import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { ReportData } from "./types.js";

export interface Chart {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

const width = 420;
const height = 260;

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
      width, height,
      data: { values },
      encoding: { x: { field: "iteration", type: "ordinal", title: "iteration (0 = before finetuning)", axis: { labelAngle: 0 } }, color: { field: "method", type: "nominal" } },
      layer: [
        { mark: { type: "area", opacity: 0.15 }, encoding: { y: { field: "lo", type: "quantitative", title: "accuracy" }, y2: { field: "hi" } } },
        { mark: { type: "line", point: true }, encoding: { y: { field: "accuracy", type: "quantitative", scale: { zero: false } } } },
      ],
    } as TopLevelSpec,
  };
}

/** One small chart per diversity metric, a line per method. */
export function diversityCharts(data: ReportData): Chart[] {
  const metrics = [...new Set(Object.values(data.methods).flatMap((s) => Object.keys(s.diversity)))].sort();
  return metrics.map((metric) => ({
    name: `diversity-${metric.replace(/[^a-z0-9]+/gi, "-")}`,
    title: `${metric} by iteration`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width, height,
      data: {
        values: Object.entries(data.methods).flatMap(([method, s]) =>
          (s.diversity[metric] ?? []).map((v, i) => ({ method, iteration: i, value: Number.isFinite(v) ? v : null })),
        ),
      },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "iteration", type: "ordinal", axis: { labelAngle: 0 } },
        y: { field: "value", type: "quantitative", title: metric, scale: { zero: false } },
        color: { field: "method", type: "nominal" },
      },
    } as TopLevelSpec,
  }));
}

/** Per-agent training-set sizes, grouped by iteration. */
export function datasetSizeChart(data: ReportData): Chart {
  return {
    name: "dataset-sizes",
    title: "Training rows per agent and iteration",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width, height,
      data: { values: data.agents.map((a) => ({ agent: `${a.method}: ${a.agent}`, iteration: a.iteration, rows: a.datasetRows })) },
      mark: "bar",
      encoding: {
        x: { field: "iteration", type: "ordinal", axis: { labelAngle: 0 } },
        xOffset: { field: "agent" },
        y: { field: "rows", type: "quantitative", title: "rows" },
        color: { field: "agent", type: "nominal" },
      },
    } as TopLevelSpec,
  };
}

/** Training loss curves, a line per agent, a panel per iteration. */
export function lossChart(data: ReportData): Chart {
  const values = data.agents.flatMap((a) => a.lossCurve.map((p) => ({ agent: `${a.method}: ${a.agent}`, iteration: `iteration ${a.iteration}`, step: p.step, loss: p.loss })));
  return {
    name: "training-loss",
    title: "Training loss per agent",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values },
      facet: { column: { field: "iteration", type: "nominal", title: null } },
      spec: {
        width: 260, height: 200,
        mark: { type: "line", strokeWidth: 1.2 },
        encoding: {
          x: { field: "step", type: "quantitative" },
          y: { field: "loss", type: "quantitative", scale: { zero: false } },
          color: { field: "agent", type: "nominal" },
        },
      },
    } as TopLevelSpec,
  };
}

export function allCharts(data: ReportData): Chart[] {
  const charts = [accuracyChart(data), ...diversityCharts(data)];
  if (data.agents.length) charts.push(datasetSizeChart(data));
  if (data.agents.some((a) => a.lossCurve.length)) charts.push(lossChart(data));
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
  const r = new Resvg(svg, { background: "white", fitTo: { mode: "zoom", value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } });
  return Buffer.from(r.render().asPng());
}
