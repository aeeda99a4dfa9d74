import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback MLflow tracking server implementing the REST routes society calls, with MLflow's validation
 * where a client could get it wrong (required fields, batch limits, immutable params, unknown runs), and
 * the artifact proxy (`mlflow server --serve-artifacts`). State is kept for the test to inspect.
 */
export interface FakeMlflowRun {
  info: {
    run_id: string;
    experiment_id: string;
    run_name: string;
    status: string;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
  };
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: { key: string; value: number; timestamp: number; step: number }[];
  artifacts: Map<string, Buffer>;
}

export interface FakeMlflow {
  url: string;
  experiments: Map<string, string>;
  runs: Map<string, FakeMlflowRun>;
  calls: string[];
  /** Make the next matching requests fail or stall (route substring → behaviour). */
  faults: Map<string, { status?: number; delayMs?: number }>;
  close(): Promise<void>;
}

export async function startFakeMlflow(opts: { artifactScheme?: "proxy" | "local" } = {}): Promise<FakeMlflow> {
  const experiments = new Map<string, string>([["Default", "0"]]);
  const runs = new Map<string, FakeMlflowRun>();
  const calls: string[] = [];
  const faults = new Map<string, { status?: number; delayMs?: number }>();
  let nextId = 1;

  const send = (res: ServerResponse, status: number, body: object) =>
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  const fail = (res: ServerResponse, status: number, error_code: string, message: string) => send(res, status, { error_code, message });
  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((r) => {
      const c: Buffer[] = [];
      req.on("data", (d) => c.push(d));
      req.on("end", () => r(Buffer.concat(c)));
    });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const route = `${req.method} ${url.pathname}`;
    calls.push(route);
    for (const [k, f] of faults) {
      if (!route.includes(k)) continue;
      if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
      if (f.status) return fail(res, f.status, "INTERNAL_ERROR", "injected fault");
    }
    const raw = await readBody(req);
    const json = () => {
      try {
        return JSON.parse(raw.toString() || "{}");
      } catch {
        return undefined;
      }
    };
    const runOf = (id: unknown) => (typeof id === "string" ? runs.get(id) : undefined);
    if (route === "GET /api/2.0/mlflow/experiments/get-by-name") {
      const id = experiments.get(url.searchParams.get("experiment_name") ?? "");
      return id === undefined
        ? fail(res, 404, "RESOURCE_DOES_NOT_EXIST", "no experiment")
        : send(res, 200, { experiment: { experiment_id: id, name: url.searchParams.get("experiment_name") } });
    }
    if (req.method === "PUT" && url.pathname.startsWith("/api/2.0/mlflow-artifacts/artifacts/")) {
      const m = /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/(\d+)\/(\w+)\/artifacts\/(.+)$/.exec(url.pathname);
      const run = m ? runs.get(m[2]!) : undefined;
      if (!run || run.info.experiment_id !== m![1]) return fail(res, 404, "RESOURCE_DOES_NOT_EXIST", "no such artifact location");
      run.artifacts.set(decodeURIComponent(m![3]!), raw);
      return send(res, 200, {});
    }
    if (req.method !== "POST") return fail(res, 404, "ENDPOINT_NOT_FOUND", route);
    const b = json();
    if (!b) return fail(res, 400, "MALFORMED_REQUEST", "body is not JSON");
    switch (url.pathname.replace("/api/2.0/mlflow/", "")) {
      case "experiments/create": {
        if (typeof b.name !== "string" || !b.name) return fail(res, 400, "INVALID_PARAMETER_VALUE", "name");
        if (experiments.has(b.name)) return fail(res, 400, "RESOURCE_ALREADY_EXISTS", "exists");
        const id = String(experiments.size);
        experiments.set(b.name, id);
        return send(res, 200, { experiment_id: id });
      }
      case "runs/create": {
        if (![...experiments.values()].includes(b.experiment_id)) return fail(res, 404, "RESOURCE_DOES_NOT_EXIST", "experiment");
        const run_id = `run${nextId++}`;
        const artifact_uri =
          opts.artifactScheme === "local"
            ? `/mlruns/${b.experiment_id}/${run_id}/artifacts`
            : `mlflow-artifacts:/${b.experiment_id}/${run_id}/artifacts`;
        const run: FakeMlflowRun = {
          info: { run_id, experiment_id: b.experiment_id, run_name: b.run_name, status: "RUNNING", start_time: b.start_time, artifact_uri },
          params: new Map(),
          tags: new Map((b.tags ?? []).map((t: any) => [t.key, t.value])),
          metrics: [],
          artifacts: new Map(),
        };
        runs.set(run_id, run);
        return send(res, 200, { run: { info: run.info, data: {} } });
      }
      case "runs/log-batch": {
        const run = runOf(b.run_id);
        if (!run) return fail(res, 404, "RESOURCE_DOES_NOT_EXIST", "run");
        const metrics = b.metrics ?? [],
          params = b.params ?? [],
          tags = b.tags ?? [];
        if (metrics.length > 1000 || params.length > 100 || tags.length > 100 || metrics.length + params.length + tags.length > 1000)
          return fail(res, 400, "INVALID_PARAMETER_VALUE", "batch too large");
        for (const m of metrics) {
          if (typeof m.key !== "string" || typeof m.value !== "number" || !Number.isInteger(m.timestamp) || !Number.isInteger(m.step))
            return fail(res, 400, "INVALID_PARAMETER_VALUE", `metric ${JSON.stringify(m)}`);
        }
        for (const p of params) {
          if (typeof p.key !== "string" || typeof p.value !== "string" || p.value.length > 6000 || p.key.length > 250)
            return fail(res, 400, "INVALID_PARAMETER_VALUE", `param ${p.key}`);
          const old = run.params.get(p.key);
          if (old !== undefined && old !== p.value) return fail(res, 400, "INVALID_PARAMETER_VALUE", `param ${p.key} changed`);
        }
        for (const p of params) run.params.set(p.key, p.value);
        for (const t of tags) run.tags.set(t.key, t.value);
        run.metrics.push(...metrics);
        return send(res, 200, {});
      }
      case "runs/set-tag": {
        const run = runOf(b.run_id);
        if (!run || typeof b.key !== "string" || typeof b.value !== "string") return fail(res, 400, "INVALID_PARAMETER_VALUE", "set-tag");
        run.tags.set(b.key, b.value);
        return send(res, 200, {});
      }
      case "runs/update": {
        const run = runOf(b.run_id);
        if (!run || !["RUNNING", "FINISHED", "FAILED", "KILLED", "SCHEDULED"].includes(b.status))
          return fail(res, 400, "INVALID_PARAMETER_VALUE", "update");
        run.info.status = b.status;
        if (b.end_time) run.info.end_time = b.end_time;
        return send(res, 200, { run_info: run.info });
      }
      default:
        return fail(res, 404, "ENDPOINT_NOT_FOUND", route);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    experiments,
    runs,
    calls,
    faults,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
