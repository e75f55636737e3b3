import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dayText } from "../../../src/risk/history.js";
import { runCli } from "../../helpers/cli.js";
import { ROOT } from "../../helpers/shared.js";
import { PRICES } from "../../risk/helpers.js";
import { syntheticGarchBars } from "./synthetic.js";

/** A directory with synthetic <A>-USD_1d.csv files in the Yahoo column order (Close first). */
function syntheticDir(assets: readonly string[], n: number): string {
  const dir = mkdtempSync(join(tmpdir(), "dpm-adapt-"));
  assets.forEach((a, k) => {
    const { bars: b } = syntheticGarchBars(100 + k, n);
    const rows = Array.from(b.close, (_, t) => `${dayText(b.periods[t])},${b.close[t]},${b.high[t]},${b.low[t]},${b.open[t]},${b.volume[t]}`);
    writeFileSync(join(dir, `${a}-USD_1d.csv`), `Date,Close,High,Low,Open,Volume\n${rows.join("\n")}\n`);
  });
  writeFileSync(join(dir, "README.md"), "not a price file\n");
  return dir;
}

describe("dpm adapt backtest", () => {
  const dir = syntheticDir(["ZZZ", "QQ1"], 1300);
  it("--json has the flat per-model fields for any asset with a <A>-USD_1d.csv file", async () => {
    const r = await runCli("adapt", "backtest", "--history", dir, "--assets", "ZZZ,QQ1", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.assets)).toEqual(["ZZZ", "QQ1"]);
    for (const m of ["static", "ewma", "garch", "adaptive"]) {
      const x = j.assets.ZZZ.models[m];
      for (const k of ["observations", "breaches", "kupiecPValue", "christoffersenPValue", "meanMove", "maxIncrease1d", "basel", "peakToTrough"]) expect(typeof x[k], `${m}.${k}`).not.toBe("undefined");
      expect(x.observations).toBe(1300 - 1095 - 1);
      expect(x.withApc.maxIncrease1d).toBeLessThanOrEqual(0.25 + 1e-12);
    }
    // The static model is the preset's `default` price range (0.25) in log units.
    expect(j.assets.ZZZ.models.static.meanMove).toBeCloseTo(Math.log(1.25), 12);
    expect(Object.keys(j.assets.ZZZ.adaptive.coefficients)).toEqual(["ewmaVol", "ccVol365", "gkVol1", "gkVol7", "gkVol30", "ret1", "ret7", "ret30", "relVolume"]);
    // The in-window selection: the last choice, its validation year against the expanding fit, every refit's choice.
    expect(j.selection).toEqual({ candidates: 15, validationDays: 365 });
    const sel = j.assets.ZZZ.adaptive.selection;
    expect(sel.candidate).toMatch(/^(qr|ewma) (all|1095|730|365)\/(eq|730|365)$/);
    expect(sel.validationDays).toBe(365);
    expect(sel.expectedValidationBreaches).toBeCloseTo(3.65, 9);
    expect(sel.chosen.loss).toBeLessThanOrEqual(sel.baseline.loss);
    expect(sel.history.length).toBe(j.assets.ZZZ.refits);
    expect(sel.history[0].at).toBe(j.assets.ZZZ.from);
    expect(Object.values(sel.choices).reduce((a: number, b) => a + Number(b), 0)).toBe(j.assets.ZZZ.refits);
  });
  it("--no-selection runs the adaptive model as the expanding fit with equal weights only", async () => {
    const r = await runCli("adapt", "backtest", "--history", dir, "--assets", "ZZZ", "--json", "--no-selection");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.selection).toEqual({ candidates: 1, validationDays: 365 });
    expect(j.assets.ZZZ.adaptive.selection.choices).toEqual({ "qr all/eq": j.assets.ZZZ.refits });
    expect(j.assets.ZZZ.adaptive.selection.switches).toBe(0);
  });
  it("text output is Markdown tables; --assets all reads every <A>-USD_1d.csv; --html is one self-contained file with a chart per asset", async () => {
    const html = join(dir, "r.html");
    const r = await runCli("adapt", "backtest", "--history", dir, "--assets", "all", "--horizon", "2", "--html", html);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\| QQ1 \| .* \| adaptive \| /m);
    expect(r.stdout).toContain("overlapping b / e");
    expect(r.stdout).toContain("adaptive: 15 candidates, the one with the lowest 99% pinball loss over the previous 365 days chosen at each refit");
    expect(r.stdout).toMatch(/^\| ZZZ \| (qr|ewma) \S+ \| \d+ \| \d+ \/ \d+ \/ 3\.\d \| /m);
    const h = readFileSync(html, "utf8");
    expect(h.match(/<svg /g)?.length).toBe(2);
    expect(h).not.toMatch(/<script|src=|href=|@import/);
  });
  it("bad inputs exit 2 naming the option and value, with nothing on stdout", async () => {
    for (const [args, msg] of [
      [["--assets", "NOPE"], /no NOPE-USD_1d\.csv in .* \(available: QQ1, ZZZ\)/],
      [["--assets", "ZZZ", "--confidence", "1"], /must be a number in \(0\.5, 0\.9999\]/],
      [["--assets", "ZZZ", "--confidence", "0.5"], /must be a number in \(0\.5, 0\.9999\]/],
      [["--assets", "ZZZ", "--horizon", "31"], /--horizon.*integer in \[1, 30\]/],
      [["--assets", "ZZZ", "--horizon", "1.5"], /--horizon.*integer/],
      [["--assets", "btc"], /--assets: must be asset codes/],
      [["--assets", "ZZZ", "--features", "gkVol7,depth"], /--features: unknown feature depth \(known: ret1, .*\(got "gkVol7,depth"\)/],
      [["--assets", "ZZZ", "--train-days", "1300"], /need more than trainBars \+ horizon = 1301/],
    ] as const) {
      const r = await runCli("adapt", "backtest", "--history", dir, ...args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(msg);
    }
    const notDir = await runCli("adapt", "backtest", "--history", join(dir, "README.md"), "--assets", "ZZZ");
    expect([notDir.code, notDir.stderr.includes("--history: must be a directory")]).toEqual([2, true]);
  });
});

describe("dpm adapt fit", () => {
  it("writes a parameter file extending deribit that `dpm margin --params` accepts", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "dpm-adapt-fit-")), "params.json");
    const r = await runCli("adapt", "fit", "--history", PRICES, "--assets", "BTC,ETH,SOL", "--as-of", "2024-11-20", "--out", out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^BTC: adaptive move .* -> priceRange /m);
    const p = JSON.parse(readFileSync(out, "utf8"));
    expect(p.extends).toBe("deribit");
    const btc = p.calibration.assets.BTC;
    expect(btc.asOf).toBe("2024-11-20");
    expect(p.portfolio.underlyings.BTC.priceRange).toBe(btc.priceRange);
    expect(btc.priceRange).toBeCloseTo(Math.ceil(Math.expm1(btc.apcMove) * 1000 - 1e-9) / 1000, 12);
    expect(p.portfolio.underlyings.SOL).toMatchObject({ buckets: 4, volUp: 0.5, annualMoveRisk: 0.3 }); // the preset's default entry
    expect(Object.keys(btc.model.coefficients)).toContain("gkVol7");
    expect(btc.model.selection.history.at(-1).at).toBe(btc.model.fittedAt);
    expect(p.calibration.adaptiveSelection.candidates.length).toBe(15);
    expect(p.calibration.apc).toMatchObject({ floor: "buffer", buffer: 0.25, maxDailyIncrease: 0.25 });
    const m = await runCli("margin", join(ROOT, "examples/books/multi-asset.json"), "--market", join(ROOT, "examples/market.json"), "--params", out, "--json");
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout).initialMargin).toBeGreaterThan(0);
  });
  it("an --as-of that leaves too little history is an input error", async () => {
    const r = await runCli("adapt", "fit", "--history", PRICES, "--assets", "SOL", "--as-of", "2022-01-01", "--out", join(tmpdir(), "never.json"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SOL: 632 consecutive bars, need more than trainBars \+ horizon = 1096/);
  });
});
