/**
 * The dashboard's parameters panel (web/params.js) in headless Debian chromium (playwright-core): current vs static
 * priceRange per asset, a pending proposal with its ranges and impact, approved from the page, then the current range
 * and the features and model output behind it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { browserSuite, launchBrowser } from "./browser.js";
import { ADMIN } from "../service/helpers.js";
import { startAdaptive, testConfig, tick, writeHistory, type AdaptiveService } from "../service/adaptiveHelpers.js";


let dir: string;
let svc: AdaptiveService;
let browser: Browser;

browserSuite("parameters panel (headless chromium)", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dpm-web-params-"));
    svc = await startAdaptive(join(dir, "w.sqlite"), testConfig(writeHistory(join(dir, "history"), 500, { BTC: 92000, ETH: 3100 })));
    expect((await svc.call("POST", "/v1/accounts", { id: "tight", collateral: { USDC: "33000" } })).status).toBe(201);
    expect((await svc.call("POST", "/v1/accounts/tight/fills", { instrument: "BTC-PERPETUAL", size: "150000", price: 92050 })).status).toBe(201);
    await tick(svc, "BTC", 30_000, 91900);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows current vs static ranges, a pending proposal, and applies it with Approve", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${svc.url}/#key=${encodeURIComponent(ADMIN)}`);
    await page.waitForSelector('[data-testid="params-assets"] tr[data-asset="BTC"]', { timeout: 15_000 });
    expect(await page.textContent('[data-testid="params-mode"]')).toBe("propose");
    expect(await page.textContent('tr[data-asset="BTC"] .static')).toBe("16.0 %");
    expect(await page.textContent('tr[data-asset="BTC"] .current')).toBe("16.0 %");
    expect(await page.textContent('[data-testid="params-applied"]')).toMatch(/not from a proposal/);

    await page.click('button[data-act="propose"]');
    await page.waitForSelector('[data-testid="params-pending"] tr[data-proposal="p-1"]', { timeout: 15_000 });
    const p = svc.adaptive!.book.get("p-1")!;
    const btc = (p.params.portfolio as { underlyings: Record<string, { priceRange: number }> }).underlyings.BTC.priceRange;
    const row = await page.textContent('tr[data-proposal="p-1"]');
    expect(row).toContain(`BTC ${(btc * 100).toFixed(1)} %`);
    expect(row).toContain("manual");

    await page.click('tr[data-proposal="p-1"] button[data-act="approve"]');
    await page.waitForFunction((want) => document.querySelector('tr[data-asset="BTC"] .current')?.textContent === want, `${(btc * 100).toFixed(1)} %`, { timeout: 15_000 });
    expect(await page.textContent('[data-testid="params-applied"]')).toMatch(/proposal p-1 \(manual, admin at /);
    expect(await page.locator('[data-testid="params-no-pending"]').count()).toBe(1);
    expect(await page.getAttribute('tr[data-asset="BTC"] .current', "class")).toContain("moved");
    expect(svc.adaptive!.book.get("p-1")!.status).toBe("applied");
    expect(errors).toEqual([]);
  }, 60_000);
});
