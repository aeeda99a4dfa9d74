import { expect, it } from "vitest";
import { newId } from "../../src/store/schema/ids.js";

it("ids are UUIDv7 strings that strictly increase, even within one millisecond", () => {
  const ids = Array.from({ length: 10_000 }, () => newId());
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  const ms = parseInt(ids[0]!.replace(/-/g, "").slice(0, 12), 16);
  expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
});
