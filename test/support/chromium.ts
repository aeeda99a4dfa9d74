import { existsSync } from "node:fs";

/**
 * The system's Chromium for the report's screenshot test (playwright-core drives it; nothing downloads a browser).
 * `.ci/run` installs Debian's `chromium` where it is missing; $SOCIETY_CHROMIUM names another binary.
 */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.SOCIETY_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((p): p is string => !!p && existsSync(p));
}
