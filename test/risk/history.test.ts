import { describe, expect, it } from "vitest";
import { loadHistory } from "../../src/adapters/history.js";
import { DpmInputError } from "../../src/input/issues.js";
import { dayText, parseDay, parseHistoryCsv, returnWindow } from "../../src/risk/history.js";
import { PRICES, history } from "./helpers.js";

const problems = (text: string, asset?: string): string[] => {
  const r = parseHistoryCsv(text, asset);
  return r.ok ? [] : r.problems.map((p) => `line ${p.line}: ${p.message}`);
};

describe("history CSV parsing", () => {
  it("reads the Yahoo layout by header name (Close first) and a plain date,<ASSET> table", () => {
    const y = parseHistoryCsv("Date,Close,High,Low,Open,Volume\n2024-01-01,100,110,90,95,1\n2024-01-02,110,111,99,100,1\n", "BTC");
    expect(y.ok && [...y.value[0].closes]).toEqual([100, 110]);
    const t = parseHistoryCsv("date,BTC,ETH\n2024-01-01,100,10\n2024-01-02,110,\n2024-01-03,120,12\n");
    expect(t.ok).toBe(true);
    if (t.ok) {
      expect(t.value.map((s) => s.asset)).toEqual(["BTC", "ETH"]);
      expect([...t.value[1].days].map(dayText)).toEqual(["2024-01-01", "2024-01-03"]);
    }
  });
  it("reports unsorted and duplicate dates, non-positive and non-numeric closes, bad dates and ragged rows with their lines", () => {
    const p = problems("Date,Close\n2024-01-02,100\n2024-01-01,100\n2024-01-01,100\n2024-01-03,0\n2024-01-04,abc\n2024-13-01,5\n2024-01-06,1,2\n", "BTC");
    expect(p).toEqual([
      "line 3: dates must be increasing: 2024-01-01 comes after 2024-01-02",
      "line 4: duplicate date (also on the previous row)",
      "line 5: BTC close must be a finite number > 0",
      "line 6: BTC close must be a finite number > 0",
      "line 7: date must be YYYY-MM-DD",
      "line 8: expected 2 columns, found 3",
    ]);
    expect(problems("Time,Price\n")[0]).toMatch(/no Date column/);
    expect(problems("Date,Close\n2024-01-01,1\n2024-01-02,2\n")[0]).toMatch(/asset from the file name/);
  });
  it("selects N returns ending at the last close on or before asOf; windows longer than the data and gaps are clear errors", () => {
    const h = history(["BTC", "AVAX"]);
    const end = parseDay("2024-11-20") ?? 0;
    const w = returnWindow(h, ["BTC"], end, 1000);
    expect(w.ok && [w.value.days.length, dayText(w.value.days[999]), dayText(w.value.days[0])]).toEqual([1000, "2024-11-20", "2022-02-25"]);
    const long = returnWindow(h, ["BTC"], end, 5000);
    expect(long.ok ? "" : long.reason).toMatch(/needs 5000 daily returns .* only 3717 are available/);
    const gap = returnWindow(h, ["AVAX"], parseDay("2021-01-01") ?? 0, 200);
    expect(gap.ok ? "" : gap.reason).toMatch(/AVAX: .*only 101 are available \(a gap before 2020-09-22/);
    const bad = returnWindow(h, ["BTC"], end, 1.5);
    expect(bad.ok).toBe(false);
  });
  it("loads only the portfolio's files from a directory and names a missing asset", () => {
    expect([...loadHistory(PRICES, ["ETH"]).keys()]).toEqual(["ETH"]);
    try {
      loadHistory(PRICES, ["BTC", "NOPE"]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DpmInputError);
      expect((e as DpmInputError).issues[0].message).toMatch(/NOPE-USD_1d.csv/);
    }
  });
});
