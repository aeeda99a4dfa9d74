import type { Store } from "../store/index.js";
import type { MetricPoint, TrackedRun, TrackedStatus, TrackingSink } from "./types.js";

/**
 * MLflow through its REST API (https://mlflow.org/docs/latest/rest-api.html): experiments/get-by-name and
 * /create, runs/create, runs/log-batch (params and metrics, in chunks within MLflow's limits), runs/set-tag,
 * runs/update, and artifacts uploaded through the tracking server's artifact proxy
 * (PUT /api/2.0/mlflow-artifacts/artifacts/…, `mlflow server --serve-artifacts`, MLflow 2's default).
 * A society run is one MLflow run; its id is kept in the store (unit `tracking/mlflow:<uri>|<experiment>`),
 * so a resumed run logs into the same MLflow run. Credentials as MLflow's own clients read them:
 * $MLFLOW_TRACKING_TOKEN, or $MLFLOW_TRACKING_USERNAME / $MLFLOW_TRACKING_PASSWORD.
 */
export interface MlflowOptions {
  uri: string;
  experiment: string;
  timeoutMs: number;
  store: Store;
  env?: NodeJS.ProcessEnv;
}

interface RunRef {
  runId: string;
  artifactUri: string;
}

const MAX_METRICS = 1000;
const MAX_PARAMS = 100;
const MAX_PARAM_VALUE = 6000;

export class MlflowSink implements TrackingSink {
  readonly name = "mlflow";
  private readonly base: string;
  private readonly runs = new Map<string, RunRef>();
  private experimentId: string | undefined;

  constructor(private readonly o: MlflowOptions) {
    this.base = o.uri.replace(/\/+$/, "");
  }

  private headers(): Record<string, string> {
    const env = this.o.env ?? process.env;
    if (env.MLFLOW_TRACKING_TOKEN) return { Authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
    if (env.MLFLOW_TRACKING_USERNAME) {
      return {
        Authorization: `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ""}`).toString("base64")}`,
      };
    }
    return {};
  }

  private async call(
    method: "GET" | "POST" | "PUT",
    url: string,
    body?: string | Uint8Array,
    contentType = "application/json",
  ): Promise<any> {
    const res = await fetch(url, {
      method,
      headers: { ...this.headers(), ...(body !== undefined ? { "Content-Type": contentType } : {}) },
      body,
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let code = "";
      try {
        code = JSON.parse(text).error_code ?? "";
      } catch {
        /* not JSON */
      }
      throw Object.assign(new Error(`${method} ${url.slice(this.base.length)}: HTTP ${res.status} ${code || text.slice(0, 200)}`), {
        errorCode: code,
      });
    }
    return text ? JSON.parse(text) : {};
  }

  private api(route: string, body: object): Promise<any> {
    return this.call("POST", `${this.base}/api/2.0/mlflow/${route}`, JSON.stringify(body));
  }

  private async experiment(): Promise<string> {
    if (this.experimentId) return this.experimentId;
    const get = async () =>
      (
        await this.call(
          "GET",
          `${this.base}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(this.o.experiment)}`,
        )
      ).experiment.experiment_id as string;
    try {
      this.experimentId = await get();
    } catch (e) {
      if ((e as { errorCode?: string }).errorCode !== "RESOURCE_DOES_NOT_EXIST") throw e;
      try {
        this.experimentId = (await this.api("experiments/create", { name: this.o.experiment })).experiment_id as string;
      } catch (e2) {
        if ((e2 as { errorCode?: string }).errorCode !== "RESOURCE_ALREADY_EXISTS") throw e2;
        this.experimentId = await get(); // another process created it first
      }
    }
    return this.experimentId!;
  }

  private unitKey(): string {
    return `tracking/mlflow:${this.base}|${this.o.experiment}`;
  }

  async start(run: TrackedRun): Promise<void> {
    const stored = (await this.o.store.units.get(run.id, this.unitKey()))?.result as RunRef | undefined;
    let ref = stored;
    if (!ref) {
      const experiment_id = await this.experiment();
      const created = await this.api("runs/create", {
        experiment_id,
        run_name: run.id,
        start_time: Date.now(),
        tags: [
          { key: "mlflow.runName", value: run.id },
          { key: "mlflow.source.name", value: "society" },
          { key: "society.run_id", value: run.id },
          { key: "society.name", value: run.name },
          { key: "society.seed", value: String(run.seed) },
          { key: "society.methods", value: run.methods.join(",") },
        ],
      });
      ref = { runId: created.run.info.run_id, artifactUri: created.run.info.artifact_uri ?? "" };
      await this.o.store.units.markDone(run.id, this.unitKey(), ref);
    }
    this.runs.set(run.id, ref);
    if (!stored) {
      const params = flattenParams(run.config);
      for (let i = 0; i < params.length; i += MAX_PARAMS)
        await this.api("runs/log-batch", { run_id: ref.runId, params: params.slice(i, i + MAX_PARAMS) });
    }
  }

  private ref(runId: string): RunRef {
    const r = this.runs.get(runId);
    if (!r) throw new Error(`no MLflow run for ${runId} (it could not be created)`);
    return r;
  }

  async metrics(runId: string, points: readonly MetricPoint[]): Promise<void> {
    const { runId: run_id } = this.ref(runId);
    const metrics = points.map((p) => ({ key: metricName(p.key), value: p.value, timestamp: Math.round(p.timestamp), step: p.step }));
    for (let i = 0; i < metrics.length; i += MAX_METRICS)
      await this.api("runs/log-batch", { run_id, metrics: metrics.slice(i, i + MAX_METRICS) });
  }

  async artifact(runId: string, path: string, content: Uint8Array): Promise<void> {
    const { artifactUri } = this.ref(runId);
    const clean = path
      .split("/")
      .filter((s) => s && s !== "." && s !== "..")
      .map(encodeURIComponent)
      .join("/");
    await this.call("PUT", `${artifactBase(this.base, artifactUri)}/${clean}`, content, contentType(path));
  }

  async status(runId: string, status: TrackedStatus, error?: string | null): Promise<void> {
    const { runId: run_id } = this.ref(runId);
    const s = status === "done" ? "FINISHED" : status === "failed" ? "FAILED" : "RUNNING";
    await this.api("runs/update", { run_id, status: s, ...(status === "running" ? {} : { end_time: Date.now() }) });
    await this.api("runs/set-tag", { run_id, key: "society.status", value: status });
    if (status === "failed" && error) await this.api("runs/set-tag", { run_id, key: "society.error", value: error.slice(0, 5000) });
  }

  async close(): Promise<void> {}
}

/** The resolved config as params: one per leaf, dotted keys (`training.lora.rank`), arrays as JSON. */
export function flattenParams(config: unknown, prefix = ""): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  if (config && typeof config === "object" && !Array.isArray(config)) {
    for (const [k, v] of Object.entries(config)) {
      if (v === undefined) continue;
      out.push(...flattenParams(v, prefix ? `${prefix}.${k}` : k));
    }
    return out;
  }
  const value = typeof config === "string" ? config : JSON.stringify(config);
  out.push({ key: prefix.slice(0, 250), value: value.length > MAX_PARAM_VALUE ? `${value.slice(0, MAX_PARAM_VALUE - 1)}…` : value });
  return out;
}

/** MLflow metric names allow letters, digits, _ - . space : and /. */
function metricName(key: string): string {
  return key.replace(/[^\w\-. :/]/g, "_");
}

/** Where a run's artifacts are PUT: the server's proxy for mlflow-artifacts: URIs, the URI itself for http(s). */
export function artifactBase(trackingUri: string, artifactUri: string): string {
  if (/^https?:\/\//.test(artifactUri)) return artifactUri.replace(/\/+$/, "");
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?(\/.*)?$/.exec(artifactUri);
  if (!m)
    throw new Error(
      `the run's artifact store is ${artifactUri || "(none)"}, which the tracking server does not serve over HTTP (start it with --serve-artifacts) — artifacts not uploaded`,
    );
  return `${trackingUri}/api/2.0/mlflow-artifacts/artifacts${(m[1] ?? "").replace(/\/+$/, "")}`;
}

function contentType(path: string): string {
  const ext = path.split(".").pop()?.toLowerCase();
  return (
    {
      json: "application/json",
      html: "text/html",
      md: "text/markdown",
      yaml: "text/yaml",
      yml: "text/yaml",
      png: "image/png",
      svg: "image/svg+xml",
      txt: "text/plain",
    }[ext ?? ""] ?? "application/octet-stream"
  );
}
