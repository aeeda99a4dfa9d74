/**
 * Who speaks in a debate. Agent n answers round 1 as generator n and rounds ≥ 2 as critic n, so the
 * two can be different finetuned models; summarizer n writes the summary critic n reads. `single`
 * stands in for the generator role in single-agent evaluation.
 */
import type { AgentModel } from "../../backends/types.js";
import type { Seat } from "../types.js";

/** The roles the debate declares, in the order their turns are listed within a round (a summary precedes the critic reading it). */
export const DEBATE_ROLES = ["summarizer", "generator", "single", "critic"] as const;
export type DebateRole = (typeof DEBATE_ROLES)[number];

/** A debate seat. */
export interface AgentSpec extends Seat {
  role: DebateRole;
}

export interface RosterOptions {
  /** N agents. */
  agents: number;
  /** The model every role uses unless given per agent. */
  base: AgentModel;
  generators?: readonly AgentModel[];
  critics?: readonly AgentModel[];
  /** Default: the base model. */
  summarizer?: AgentModel;
  /** "single" for one-agent evaluation. Default "generator". */
  firstRole?: "generator" | "single";
}

/** Generators, critics and summarizers for an N-agent debate; per-agent models override the base. */
export function debateRoster(o: RosterOptions): AgentSpec[] {
  const out: AgentSpec[] = [];
  for (let n = 0; n < o.agents; n++) {
    out.push({ role: o.firstRole ?? "generator", index: n, model: o.generators?.[n] ?? o.base });
    out.push({ role: "critic", index: n, model: o.critics?.[n] ?? o.base });
    out.push({ role: "summarizer", index: n, model: o.summarizer ?? o.base });
  }
  return out;
}

/** The agent that speaks in `round` at position `n`. */
export function speaker(agents: readonly Seat[], round: number, n: number): Seat {
  const roles: string[] = round === 1 ? ["generator", "single"] : ["critic"];
  const a = agents.find((x) => roles.includes(x.role) && x.index === n);
  if (!a) throw new Error(`debate: no ${roles.join("/")} agent ${n} for round ${round}`);
  return a;
}

/** The summarizer writing for critic n: summarizer n, else summarizer 0's model under index n (one stored agent per summary). */
export function summarizerFor(agents: readonly Seat[], n: number): Seat {
  const a = agents.find((x) => x.role === "summarizer" && x.index === n) ?? agents.find((x) => x.role === "summarizer");
  if (!a) throw new Error(`debate: summarize is on but no summarizer agent is given`);
  return { ...a, index: n };
}

/** How many agents speak in round 1. */
export function countSpeakers(agents: readonly Seat[]): number {
  return agents.filter((a) => a.role === "generator" || a.role === "single").length;
}
