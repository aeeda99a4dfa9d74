/**
 * What the tests of objective heads with parameters of their own (head-params, MAGDi) share: a session running
 * the head on openTrainable's fixture model, and the directional finite-difference check of its tensors.
 */
import { expect } from "vitest";
import type { HeadSetup, LossHead, MicroBatch } from "../../src/training/ggml/objectives/objective.js";
import type { Rng } from "../../src/training/ggml/rng.js";
import { TrainSession } from "../../src/training/ggml/session.js";
import { directionalCheck, openTrainable, type Harness } from "../training/fixtures/harness.js";

/**
 * openTrainable's model, written at `path`, with `head` over `mb` (T positions × B rows). The heads' losses are
 * means already: the harness counts one unit. free() releases the session and the model.
 */
export async function headHarness(
  path: string,
  mode: "full" | "lora",
  head: (setup: HeadSetup) => LossHead<any>,
  mb: MicroBatch<any>,
  o: { T: number; B: number },
): Promise<Harness> {
  const { g, be, w, lora } = await openTrainable(path, mode);
  const s = new TrainSession(g, be, w, lora, { T: o.T, B: o.B, maxGradNorm: 0, head });
  const free = () => {
    s.free();
    lora?.free();
    w.free();
    be.free();
  };
  try {
    s.setMicroBatch(mb);
  } catch (e) {
    free();
    throw e;
  }
  return { g, be, w, lora, s, rows: mb.rows, units: 1, free };
}

/**
 * Accumulates the gradients of `h`, then checks each tensor `pick` keeps along a unit direction mixing its
 * normalised gradient with noise from `dirRng`, with step `eps` (or `eps(name)`): the worst relative error per
 * tensor kind.
 */
export async function gradientErrors(
  h: Harness,
  o: { pick: (name: string) => boolean; eps: number | ((name: string) => number); dirRng: Rng },
): Promise<Record<string, number>> {
  const { pick, eps, dirRng } = o;
  await h.s.accumulate(1);
  const worst: Record<string, number> = {};
  for (const p of h.s.params) {
    if (!pick(p.name)) continue;
    const grad = h.s.read(p.acc, p.numel);
    const gn = Math.hypot(...grad);
    expect(gn, p.name).toBeGreaterThan(0);
    const d = Float32Array.from(grad, (x) => x / gn + (0.5 * dirRng.normal()) / Math.sqrt(p.numel));
    const dn = Math.hypot(...d);
    for (let i = 0; i < d.length; i++) d[i]! /= dn;
    const r = await directionalCheck(h, p.name, d, typeof eps === "number" ? eps : eps(p.name));
    const kind = p.name.replace(/^blk\.\d+\./, "blk.N.");
    worst[kind] = Math.max(worst[kind] ?? 0, r.rel);
  }
  return worst;
}

/** `worst` as `kind 1.2e-4, …`, for the log. */
export const formatErrors = (worst: Record<string, number>): string =>
  Object.entries(worst)
    .map(([k, v]) => `${k} ${v.toExponential(1)}`)
    .join(", ");
