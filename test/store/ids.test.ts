import { expect, it } from "vitest";
import { newId } from "../../src/store/schema/ids.js";

it("ids are UUIDv7 strings that strictly increase, even within one millisecond", () => {
  const ids = Array.from({ length: 10_000 }, () => newId());
  const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  expect(ids.filter((id) => !v7.test(id))).toEqual([]);
  expect(ids.findIndex((id, i) => i > 0 && !(id > ids[i - 1]!))).toBe(-1);
  expect(new Set(ids).size).toBe(ids.length);
  const ms = parseInt(ids[0]!.replace(/-/g, "").slice(0, 12), 16);
  expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
});
