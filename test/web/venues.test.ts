/**
 * The dashboard's venues panel (docs/venues.md "In the service") in headless Debian chromium (playwright-core):
 * the example desk loaded with --book on examples/venues/market.json; its account view shows the three venues side
 * by side with the unified profile and the suggested transfer, every figure equal to GET /v1/accounts/desk/venues;
 * after the transfer is posted (and then a BTC tick) the panel updates live, without a reload. With DPM_SCREENSHOTS=1 it
 * writes docs/dashboard-venues.png.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { browserSuite, launchBrowser } from "./browser.js";
import { loadBook } from "../../src/adapters/bookLoader.js";
import { ADMIN, startTestService, type TestService } from "../service/helpers.js";

const ROOT = join(import.meta.dirname, "../..");

let svc: TestService;
let browser: Browser;
const SHOTS = process.env.DPM_SCREENSHOTS === "1";

/** The dashboard's number format (web/fmt.js `num`): 12,345.67 with a true minus sign. */
const num = (x: number, d = 2): string => `${x < 0 ? "−" : ""}${Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d })}`;
const pct = (x: number | null): string => (x === null ? "–" : `${num(x * 100, 1)} %`);

/** The cells of one venue card: label → text. */
async function cardOf(page: Page, venue: string): Promise<Record<string, string>> {
  return page.locator(`#venue-cards .vcard[data-venue="${venue}"] td[data-k]`).evaluateAll((tds) => Object.fromEntries(tds.map((td) => [(td as HTMLElement).dataset.k, td.textContent ?? ""])));
}

browserSuite("dashboard: a multi-venue account's venues side by side (headless chromium)", () => {
  beforeAll(async () => {
    svc = await startTestService({ rateLimit: 0, initialMarket: JSON.parse(readFileSync(join(ROOT, "examples/venues/market.json"), "utf8")) });
    const file = join(mkdtempSync(join(tmpdir(), "dpm-web-venues-")), "desk.jsonl");
    writeFileSync(file, `${readFileSync(join(ROOT, "examples/venues/desk.json"), "utf8").replace(/\s*\n\s*/g, "")}\n`);
    expect((await loadBook(svc, { file, strict: true })).loaded).toBe(1);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it("shows each venue's figures, the unified profile and the suggested transfer, and follows a transfer and a tick live", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${svc.url}/#key=${encodeURIComponent(ADMIN)}`);
    await page.waitForSelector('#accounts tr[data-account="desk"]', { timeout: 15_000 });
    // clicked inside the page, in one task (a fleet push may re-render the row meanwhile; see dashboard.test.ts)
    await page.evaluate(() => (document.querySelector('#accounts tr[data-account="desk"] td:first-child') as HTMLElement | null)?.click());
    await page.waitForSelector('#venue-transfers tbody tr[data-key]', { timeout: 10_000 });
    expect(await page.isVisible("#venues-panel")).toBe(true);

    const api = (await svc.call("GET", "/v1/accounts/desk/venues")).json;
    expect(await page.locator("#venue-cards .vcard").evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.venue))).toEqual(["deribit", "okx", "aave", "unified"]);
    for (const v of api.venues) {
      const c = await cardOf(page, v.venue);
      expect(c.IM, `${v.venue} IM`).toBe(num(v.initialMargin));
      expect(c.MM).toBe(num(v.maintenanceMargin));
      expect(c.equity).toBe(num(v.equity));
      expect(c["MM ratio"]).toBe(pct(v.marginRatio));
      expect(await page.textContent(`#venue-cards .vcard[data-venue="${v.venue}"] [data-testid="venue-status"]`)).toBe(v.status.replace("_", " "));
    }
    // docs/venues.md's desk: OKX in margin call at 91.0 %, Aave's health factor 1.523, the unified IM 183,399.57 (16.9 % of the sum).
    expect((await cardOf(page, "okx"))["MM ratio"]).toBe("91.0 %");
    expect((await cardOf(page, "aave"))["health factor"]).toBe("1.523");
    const u = await cardOf(page, "unified");
    expect(u.IM).toBe("183,399.57");
    expect(u.IM).toBe(num(api.unified.initialMargin));
    expect(u["+ venue default"]).toBe(num(api.unified.charges.venueDefault));
    expect(u["Σ venues' IM"]).toContain("(unified 16.9 %)");
    expect((await cardOf(page, "okx")).positions).toContain("BTC_USDT-PERPETUAL −10.0000");
    expect(await page.textContent("#venues-status")).toContain("set by venue okx");
    const t = api.allocation.transfers[0];
    expect(await page.locator("#venue-transfers tbody tr td").allTextContents()).toEqual(["USDC", "deribit", "okx", `${t.amount} USDC`, "1", t.received, "1.00", num(t.costUsd)]);
    expect(await page.textContent("#acct-status")).toBe("margin call");
    // nothing clipped in a 1,400 px window
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
    if (SHOTS) await page.locator("#venues-panel").screenshot({ path: join(ROOT, "docs/dashboard-venues.png"), animations: "disabled" });

    // the desk applies the suggestion: OKX's card turns healthy, the transfer list empties, live (no reload)
    const r = await svc.call("POST", "/v1/accounts/desk/venue-transfers", { asset: t.asset, from: t.from, to: t.to, amount: t.amount, fee: t.fee });
    expect(r.status, r.text).toBe(201);
    await page.waitForFunction(() => document.querySelector('#venue-cards .vcard[data-venue="okx"]')?.classList.contains("healthy") && document.querySelector("#venue-transfers tbody")?.textContent === "none", null, { timeout: 10_000 });
    expect((await cardOf(page, "okx"))["MM ratio"]).toBe("75.0 %");
    expect(await page.textContent("#acct-status")).toBe("healthy");
    expect((await cardOf(page, "deribit")).IM).toBe(num((await svc.call("GET", "/v1/accounts/desk/venues")).json.venues[0].initialMargin));

    // BTC up 5 %: every venue holding BTC risk re-margined and shown
    const before = await cardOf(page, "okx");
    const tick = await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: Date.parse("2024-11-20T08:01:00Z"), index: 92_050 * 1.05 });
    expect(tick.status, tick.text).toBe(201);
    await page.waitForFunction((b) => document.querySelector('#venue-cards .vcard[data-venue="okx"] td[data-k="equity"]')?.textContent !== b, before.equity, { timeout: 10_000 });
    const now = (await svc.call("GET", "/v1/accounts/desk/venues")).json;
    expect((await cardOf(page, "okx")).equity).toBe(num(now.venues[1].equity));
    expect((await cardOf(page, "unified")).IM).toBe(num(now.unified.initialMargin));
    expect(errors).toEqual([]);
  }, 60_000);
});
