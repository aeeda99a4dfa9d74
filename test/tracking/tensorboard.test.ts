import { readdirSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { openStore } from "../../src/store/index.js";
import { openTracker } from "../../src/tracking/open.js";
import { trackedStore } from "../../src/tracking/store-feed.js";
import { crc32c } from "../../src/tracking/tfevents.js";

const dir = mkdtempSync(join(tmpdir(), "society-tb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** CRC-32C bit by bit (no table), independent of the writer's table-driven one. */
function crc32cBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
const unmask = (m: number) => {
  const r = (m - 0xa282ead8) >>> 0;
  return ((r << 15) | (r >>> 17)) >>> 0;
};

/** TFRecord framing, each CRC checked; returns the records' payloads. */
function readRecords(buf: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < buf.length) {
    const lenBytes = buf.subarray(at, at + 8);
    const len = Number(lenBytes.readBigUInt64LE(0));
    expect(unmask(buf.readUInt32LE(at + 8))).toBe(crc32cBitwise(lenBytes));
    const data = buf.subarray(at + 12, at + 12 + len);
    expect(unmask(buf.readUInt32LE(at + 12 + len))).toBe(crc32cBitwise(data));
    out.push(data);
    at += 16 + len;
  }
  expect(at).toBe(buf.length);
  return out;
}

interface Ev {
  wallTime?: number;
  step: number;
  fileVersion?: string;
  values: { tag: string; simple?: number; plugin?: string; text?: string }[];
}

/** tensorflow.Event, decoded with @bufbuild/protobuf's wire reader (field numbers from event.proto / summary.proto). */
function decodeEvent(data: Uint8Array): Ev {
  const r = new BinaryReader(data);
  const ev: Ev = { step: 0, values: [] };
  while (r.pos < r.len) {
    const [f, w] = r.tag();
    if (f === 1 && w === WireType.Bit64) ev.wallTime = r.double();
    else if (f === 2) ev.step = Number(r.int64());
    else if (f === 3) ev.fileVersion = r.string();
    else if (f === 5) {
      const s = new BinaryReader(r.bytes());
      while (s.pos < s.len) {
        const [sf, sw] = s.tag();
        if (sf !== 1) {
          s.skip(sw);
          continue;
        }
        const v = new BinaryReader(s.bytes());
        const val: Ev["values"][number] = { tag: "" };
        while (v.pos < v.len) {
          const [vf, vw] = v.tag();
          if (vf === 1) val.tag = v.string();
          else if (vf === 2) val.simple = v.float();
          else if (vf === 9) {
            const md = new BinaryReader(v.bytes());
            while (md.pos < md.len) {
              const [mf, mw] = md.tag();
              if (mf === 1) {
                const pd = new BinaryReader(md.bytes());
                pd.tag();
                val.plugin = pd.string();
              } else md.skip(mw);
            }
          } else if (vf === 8) {
            const t = new BinaryReader(v.bytes());
            while (t.pos < t.len) {
              const [tf, tw] = t.tag();
              if (tf === 8) val.text = new TextDecoder().decode(t.bytes());
              else if (tf === 1) expect(t.int32()).toBe(7);
              else t.skip(tw);
            }
          } else v.skip(vw);
        }
        ev.values.push(val);
      }
    } else r.skip(w);
  }
  return ev;
}

describe("TensorBoard event files", () => {
  it("CRC-32C matches the standard check value", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32cBitwise(Buffer.from("123456789"))).toBe(0xe3069283);
  });

  it("a tracked run writes scalars per iteration, loss curves and the config as text, read back independently", async () => {
    const tb = join(dir, "tb");
    const config = parseConfig(`name: tb\ntask: {name: arithmetic}\ntracking:\n  tensorboard: {dir: "${tb}"}\n`);
    const store = await openStore(join(dir, "tb.db"));
    const tracker = openTracker(config.tracking, store, (l) => {
      throw new Error(l);
    })!;
    const s = trackedStore(store, tracker, () => {});
    await s.runs.create({ id: "tb-s1-abc", name: "tb", methods: ["multiagent-ft"], config, seed: 1, status: "running" });
    const a = await s.agents.getOrCreate({ runId: "tb-s1-abc", method: "multiagent-ft", role: "critic", agentIndex: 1 });
    await s.metrics.put([{ runId: "tb-s1-abc", method: "multiagent-ft", iteration: 0, name: "accuracy", scope: "run", value: 0.375 }]);
    const job = await s.trainingJobs.create({ runId: "tb-s1-abc", agentId: a.id, iteration: 1, trainer: "local", status: "running" });
    await s.trainingJobs.update(job.id, {
      status: "succeeded",
      lossCurve: [
        { step: 1, loss: 3 },
        { step: 2, loss: 2.25 },
      ],
    });
    await s.metrics.put([{ runId: "tb-s1-abc", method: "multiagent-ft", iteration: 1, name: "accuracy", scope: "run", value: 0.5 }]);
    await s.runs.setStatus("tb-s1-abc", "done");
    await tracker.close();
    await store.close();

    const files = readdirSync(join(tb, "tb-s1-abc"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
    const events = readRecords(readFileSync(join(tb, "tb-s1-abc", files[0]!))).map(decodeEvent);
    expect(events[0]!.fileVersion).toBe("brain.Event:2");
    const scalars = events.flatMap((e) => e.values.filter((v) => v.simple !== undefined).map((v) => `${v.tag}@${e.step}=${v.simple}`));
    expect(scalars).toEqual([
      "multiagent-ft/accuracy@0=0.375",
      "multiagent-ft/train_loss/critic1/it1@1=3",
      "multiagent-ft/train_loss/critic1/it1@2=2.25",
      "multiagent-ft/final_train_loss/critic1@1=2.25",
      "multiagent-ft/accuracy@1=0.5",
    ]);
    const texts = events.flatMap((e) => e.values.filter((v) => v.plugin === "text"));
    const cfg = texts.find((t) => t.tag === "config.yaml")!;
    expect(cfg.text).toContain("tensorboard:");
    expect(cfg.text).toMatch(/^```yaml\nname: tb\n/);
    expect(texts.filter((t) => t.tag === "status").map((t) => t.text)).toEqual(["running", "done"]);
    for (const e of events) expect(Math.abs(e.wallTime! - Date.now() / 1000)).toBeLessThan(60);
  });
});
