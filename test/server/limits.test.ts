/** Body limits as the app composes them: uploads get their own (larger) limit, everything else the JSON one. */
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/server/limits.js";
import { modelFreeServeApp } from "../support/model-free-serve-app.js";

// No route here reaches the model or the trainer: requests are refused (or stored) before that.
const { queue, appWith } = modelFreeServeApp("society-limits-");
const app = appWith({ limits: { ...DEFAULT_LIMITS, maxBodyBytes: 200, maxFileBytes: 2000 } });

const upload = (text: string) => {
  const form = new FormData();
  form.set("purpose", "fine-tune");
  form.set("file", new File([text], "t.jsonl"));
  return app.request("/v1/files", { method: "POST", body: form });
};
const line = JSON.stringify({
  messages: [
    { role: "user", content: "q" },
    { role: "assistant", content: "a" },
  ],
});

describe("body limits", () => {
  it("lets an upload past the JSON limit, up to the file limit", async () => {
    const ok = await upload(Array.from({ length: 8 }, () => line).join("\n")); // ~600 bytes
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).examples).toBe(8);
    const big = await upload(Array.from({ length: 40 }, () => line).join("\n"));
    expect(big.status).toBe(413);
    expect(big.headers.get("connection")).toBe("close");
    expect(((await big.json()) as any).error.code).toBe("request_too_large");
  });

  it("refuses JSON bodies beyond the JSON limit on every other route", async () => {
    const body = JSON.stringify({ model: "x", messages: [{ role: "user", content: "y".repeat(300) }] });
    for (const path of ["/v1/chat/completions", "/v1/fine_tuning/jobs"]) {
      const res = await app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(body.length) },
        body,
      });
      expect(res.status, path).toBe(413);
    }
  });

  it("checks fine-tuning requests before queueing anything", async () => {
    const post = (b: unknown) =>
      app.request("/v1/fine_tuning/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
    const cases: Array<[unknown, number, RegExp]> = [
      [{ model: "society", training_file: "f" }, 400, /cannot be fine-tuned as one/],
      [{ model: "m", training_file: "f", method: { type: "reinforcement" } }, 400, /"supervised" and "dpo" fine-tuning are supported/],
      [
        { model: "m", training_file: "f", method: { type: "dpo", dpo: { hyperparameters: { beta: 0 } } } },
        400,
        /method\.dpo\.hyperparameters\.beta/,
      ],
      [{ model: "m", training_file: "f", hyperparameters: { n_epochs: 0 } }, 400, /n_epochs/],
      [{ model: "m", training_file: "f", validation_file: "v" }, 400, /validation_file/],
      [{ model: "m", training_file: "f", suffix: "a b" }, 400, /suffix/],
      [{ model: "m", training_file: "f" }, 404, /model "m" does not exist/],
    ];
    for (const [b, status, msg] of cases) {
      const res = await post(b);
      expect(res.status, JSON.stringify(b)).toBe(status);
      expect(((await res.json()) as any).error.message).toMatch(msg);
    }
    expect(queue.list()).toHaveLength(0);
  });
});
