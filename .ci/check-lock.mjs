#!/usr/bin/env node
// Checks that what `npm install` put in node_modules is exactly what the committed lock pins for this
// platform: every installed package is in the lock at its locked version and integrity, and every locked
// package this platform needs is installed. Entries for other platforms (which the registry may or may not
// serve, so `npm install` may add or drop them) are ignored: they never install here.
// Usage: node .ci/check-lock.mjs <committed package-lock.json>
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const lockPath = process.argv[2];
if (!lockPath) {
  console.error("usage: check-lock.mjs <committed package-lock.json>");
  process.exit(2);
}
const locked = JSON.parse(readFileSync(lockPath, "utf8")).packages;
const installed = JSON.parse(readFileSync("node_modules/.package-lock.json", "utf8")).packages;

const libc = process.report.getReport().header.glibcVersionRuntime ? "glibc" : "musl";
const matches = (list, value) => !list || list.some((x) => (x.startsWith("!") ? x.slice(1) !== value : x === value));
const forThisPlatform = (e) => matches(e.os, process.platform) && matches(e.cpu, process.arch) && matches(e.libc, libc);

const problems = [];
for (const [path, got] of Object.entries(installed)) {
  const want = locked[path];
  if (!want) problems.push(`${path}@${got.version} is installed but not in the lock`);
  else if (want.version !== got.version) problems.push(`${path} is ${got.version}, the lock pins ${want.version}`);
  else if (want.integrity && got.integrity && want.integrity !== got.integrity) problems.push(`${path}: integrity differs from the lock`);
}
for (const [path, want] of Object.entries(locked)) {
  if (path === "" || want.link || !forThisPlatform(want)) continue;
  // npm's hidden lock omits packages it decided not to install (e.g. optional peers); the folder is the truth.
  if (!installed[path] && !existsSync(join(path, "package.json")) && !want.peer) {
    problems.push(`${path}@${want.version} is locked for this platform but not installed`);
  }
}
if (problems.length > 0) {
  console.error(`node_modules does not match ${lockPath}:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`node_modules matches the lock: ${Object.keys(installed).length} packages at their locked versions`);
