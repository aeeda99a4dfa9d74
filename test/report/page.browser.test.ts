/**
 * The report as a person sees it: report.html opened in headless Chromium (the system's, driven by
 * playwright-core), checked for what a reader needs (the header says what was run; every legend label whole;
 * charts side by side without overlapping) and kept as a full-page screenshot. Skipped, saying why, where no
 * Chromium is installed; under CI a missing browser is a failure.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/report/write.js";
import { chromiumPath } from "../support/chromium.js";
import { demoReport } from "./fixtures/demo-report.js";

const executablePath = chromiumPath();

if (!executablePath && process.env.CI) {
  throw new Error(
    "test/report/page.browser.test.ts: no Chromium in CI (.ci/run installs Debian's chromium; $SOCIETY_CHROMIUM names another)",
  );
} else if (!executablePath) {
  console.warn("test/report/page.browser.test.ts skipped: no Chromium (apt-get install chromium, or set $SOCIETY_CHROMIUM)");
  describe.skip("report page in Chromium (no browser)", () => {
    it("renders", () => undefined);
  });
} else {
  describe("report page in Chromium", () => {
    const data = demoReport();
    const dir = mkdtempSync(join(tmpdir(), "report-page-"));
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      await writeReport(data, dir);
      browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${join(dir, "report.html")}`);
    }, 120_000);
    afterAll(() => browser?.close());

    it("opens with what was run: config, base model, seeds, questions, and time and tokens per method", async () => {
      const facts = Object.fromEntries((await page.locator("table.facts tr").allInnerTexts()).map((r) => r.split("\t")));
      expect(facts["base model"]).toBe("tiny:arith-v3 (llama)");
      expect(facts.seeds).toBe("1");
      expect(facts.questions).toBe("64 train, 40 test");
      expect(facts.society).toBe("3 agents, 2 rounds, 2 iterations");
      const costs = await page.locator("h2:has-text('Time and tokens') + table tbody tr").allInnerTexts();
      expect(costs.map((r) => r.split("\t")[0])).toEqual(["base", "multiagent-ft", "single-agent-ft", "majority-ft"]);
      expect(costs[1]!.split("\t")).toEqual(["multiagent-ft", "144", "1,728", "190,000", "62,000", "13 min 40 s", "3 min 10 s"]);
    });

    it("writes every legend label and panel title whole: each agent and method can be told apart", async () => {
      const texts = await page.locator("svg text").allTextContents();
      expect(texts.filter((t) => t.endsWith("…"))).toEqual([]);
      for (const name of [...Object.keys(data.methods), ...new Set(data.agents.map((a) => a.agent))]) expect(texts).toContain(name);
      for (const metric of ["consensus", "cross_agent_nll", "kl_estimate", "embedding_dissimilarity"]) expect(texts).toContain(metric);
    });

    it("lays the charts out side by side, inside the page, none over another, legend labels apart", async () => {
      const boxes = await page.locator("figure").evaluateAll((fs) =>
        fs.map((f) => {
          const r = f.getBoundingClientRect();
          return { x: r.x, y: r.y, w: r.width, h: r.height };
        }),
      );
      expect(boxes).toHaveLength(4); // accuracy, diversity small multiples, dataset sizes, training loss
      const overlap = (a: (typeof boxes)[0], b: (typeof boxes)[0]) =>
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]!, boxes[j]!)).toBe(false);
      expect(new Set(boxes.map((b) => Math.round(b.y))).size).toBeLessThan(boxes.length); // not one long column
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      const labels = await page.locator("g.role-legend-label text").evaluateAll((ts) =>
        ts.map((t) => {
          const r = t.getBoundingClientRect();
          return { x: r.x, y: r.y, w: r.width, h: r.height };
        }),
      );
      expect(labels.length).toBeGreaterThanOrEqual(3 + 3 + 7 + 7);
      for (let i = 0; i < labels.length; i++)
        for (let j = i + 1; j < labels.length; j++) expect(overlap(labels[i]!, labels[j]!)).toBe(false);
    });

    it("leaves a full-page screenshot to look at", async () => {
      const path = join(dir, "report-page.png");
      await page.screenshot({ path, fullPage: true });
      const png = readFileSync(path);
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect(png.readUInt32BE(16)).toBe(1280); // width from the IHDR chunk
      expect(png.readUInt32BE(20)).toBeGreaterThan(1500); // the whole page, not the first screen
      console.log(`report screenshot: ${path}`);
    });
  });
}
