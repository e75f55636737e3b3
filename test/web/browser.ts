/**
 * Debian's chromium for the browser tests, driven by playwright-core (never a downloaded browser). Without the
 * binary the suites are skipped locally (with a warning) and fail under CI, which installs it (.ci/run).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { describe } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present && !process.env.CI) console.warn(`test/web: SKIPPED — ${CHROMIUM} is missing (apt-get install -y chromium); CI is not set`);

/** `describe`, or `describe.skip` when chromium is missing outside CI. */
export function browserSuite(name: string, body: () => void): void {
  (present || process.env.CI ? describe : describe.skip)(name, body);
}

/** Start headless chromium with the workplace's flags. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}
