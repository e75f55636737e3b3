import { describe, expect, it } from "vitest";
import type { InputIssue } from "../../src/input/issues.js";
import { formatIssue } from "../../src/input/issues.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { parseParams } from "../../src/input/paramsSchema.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { rawPreset } from "../../src/input/presets.js";

type Res = { ok: true } | { ok: false; issues: InputIssue[] };

function issuesOf(r: Res): InputIssue[] {
  if (r.ok) throw new Error("expected the input to be rejected, but it was accepted");
  expect(r.issues.length).toBeGreaterThan(0);
  return r.issues;
}

/** The single issue at `path` (fails if none or several). */
function at(issues: readonly InputIssue[], path: string): InputIssue {
  const hits = issues.filter((i) => i.path === path);
  if (hits.length !== 1) throw new Error(`expected one issue at ${path}, got ${hits.length}: ${JSON.stringify(issues)}`);
  return hits[0];
}

function accepted<T extends Res>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error(`expected the input to be accepted, got ${JSON.stringify((r as { issues: unknown }).issues)}`);
  return r as Extract<T, { ok: true }>;
}

// ---------------------------------------------------------------- portfolio

const pf = (positions: unknown[], extra: Record<string, unknown> = {}) => ({ account: "acct-1", collateral: { BTC: 1 }, positions, ...extra });

describe("parsePortfolio", () => {
  it("accepts the DESIGN.md example and parses instrument names", () => {
    const r = accepted(parsePortfolio({
      account: "acct-1",
      collateral: { BTC: 1.5, USDC: 25000 },
      positions: [
        { instrument: "BTC-27DEC24-60000-C", size: -2 },
        { instrument: "BTC-PERPETUAL", size: 50000, entryPrice: 90000 },
        { instrument: "ETH_USDC-PERPETUAL", size: 12.5 },
      ],
      openOrders: [{ instrument: "BTC-27DEC24", size: -10000, price: 97000 }],
    }));
    expect(r.value.account).toBe("acct-1");
    expect(r.value.positions.map((p) => p.instrument.name)).toEqual(["BTC-27DEC24-60000-C", "BTC-PERPETUAL", "ETH_USDC-PERPETUAL"]);
    expect(r.value.positions[0].instrument.kind).toBe("option");
    expect(r.value.positions[1].entryPrice).toBe(90000);
    expect("entryPrice" in r.value.positions[0]).toBe(false);
    expect(r.value.openOrders[0]).toMatchObject({ size: -10000, price: 97000 });
  });

  it("defaults collateral, positions and openOrders to empty", () => {
    const r = accepted(parsePortfolio({ account: "x" }));
    expect(r.value).toEqual({ account: "x", collateral: {}, positions: [], openOrders: [] });
  });

  it("unknown top-level field is reported with its path and value", () => {
    const i = at(issuesOf(parsePortfolio({ ...pf([]), colateral: { BTC: 1 } })), "colateral");
    expect(i.message).toBe("unknown field");
    expect(i.value).toEqual({ BTC: 1 });
  });

  it("unknown field inside a position: positions[0].sizee", () => {
    const issues = issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size: 1, sizee: 5 }])));
    const i = at(issues, "positions[0].sizee");
    expect(i.message).toMatch(/unknown field/);
    expect(i.value).toBe(5);
  });

  it("sizes, order sizes and collateral amounts may be exact decimal strings, as the service accepts them", () => {
    const r = accepted(parsePortfolio({
      account: "s", collateral: { BTC: "1.5", USDC: " 25000.000000000000 " },
      positions: [{ instrument: "BTC-PERPETUAL", size: "-10000" }, { instrument: "BTC-27DEC24-60000-C", size: "0.000000000001" }],
      openOrders: [{ instrument: "BTC-27DEC24", size: "-0.5" }],
    }));
    expect(r.value.collateral).toEqual({ BTC: 1.5, USDC: 25000 });
    expect(r.value.positions.map((p) => p.size)).toEqual([-10000, 1e-12]);
    expect(r.value.openOrders[0].size).toBe(-0.5);
  });

  it.each(["5x", "1e3", "+5", ".5", "5.", "1,000", "", "0.0000000000001", "--1"])("size %j is not an exact decimal: rejected with its value", (size) => {
    const i = at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size }]))), "positions[0].size");
    expect(i.message).toMatch(/number or an exact decimal string/);
    expect(i.value).toBe(size);
  });

  it("decimal strings keep the bounds: |size| ≤ 1e12, collateral ≥ 0, an order not 0", () => {
    expect(at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size: "-10000000000000" }]))), "positions[0].size").message).toMatch(/at most/);
    expect(at(issuesOf(parsePortfolio({ account: "a", collateral: { USDC: "-5" } })), "collateral.USDC").value).toBe("-5");
    expect(at(issuesOf(parsePortfolio(pf([], { openOrders: [{ instrument: "BTC-PERPETUAL", size: "0.000" }] }))), "openOrders[0].size").message).toMatch(/non-zero/);
  });

  it("missing size", () => {
    const i = at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL" }]))), "positions[0].size");
    expect(i.message).toMatch(/number/);
    expect(i.value).toBeUndefined();
  });

  it("non-finite size (Infinity, only possible from JS) is rejected", () => {
    for (const size of [Infinity, -Infinity, NaN]) {
      const i = at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size }]))), "positions[0].size");
      expect(i.message).toMatch(/finite|number/);
      expect(Object.is(i.value, size)).toBe(true);
      expect(formatIssue(i)).toContain(`(got ${String(size)})`);
    }
  });

  it("absurd size 1e13 is a unit error; 1e12 is the largest accepted", () => {
    const i = at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size: 1e13 }]))), "positions[0].size");
    expect(i.message).toMatch(/at most/);
    expect(i.value).toBe(1e13);
    at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size: -1e13 }]))), "positions[0].size");
    accepted(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size: 1e12 }, { instrument: "BTC-PERPETUAL", size: -1e12 }])));
  });

  it("unknown instrument name: path positions[1].instrument, name as value and in the message", () => {
    const issues = issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size: 1 }, { instrument: "BTC-27FOO24", size: 1 }])));
    expect(issues).toHaveLength(1);
    const i = at(issues, "positions[1].instrument");
    expect(i.value).toBe("BTC-27FOO24");
    expect(i.message).toMatch(/unknown instrument/);
    expect(i.message).toContain("FOO");
  });

  it("instrument that is not a string", () => {
    const i = at(issuesOf(parsePortfolio(pf([{ instrument: 42, size: 1 }]))), "positions[0].instrument");
    expect(i.value).toBe(42);
  });

  it("entryPrice on an option is rejected; on a future/perpetual accepted", () => {
    const i = at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-27DEC24-60000-C", size: 1, entryPrice: 0.05 }]))), "positions[0].entryPrice");
    expect(i.message).toMatch(/only for futures and perpetuals/);
    expect(i.value).toBe(0.05);
    at(issuesOf(parsePortfolio(pf([{ instrument: "BTC", size: 1, entryPrice: 90000 }]))), "positions[0].entryPrice");
    accepted(parsePortfolio(pf([{ instrument: "BTC-27DEC24", size: 1000, entryPrice: 93000 }])));
  });

  it("non-positive entryPrice", () => {
    const i = at(issuesOf(parsePortfolio(pf([{ instrument: "BTC-PERPETUAL", size: 1, entryPrice: -1 }]))), "positions[0].entryPrice");
    expect(i.value).toBe(-1);
    expect(i.message).toMatch(/price/);
  });

  it("negative collateral", () => {
    const i = at(issuesOf(parsePortfolio({ account: "a", collateral: { BTC: 1, USDC: -5 } })), "collateral.USDC");
    expect(i.value).toBe(-5);
    expect(i.message).toMatch(/≥ 0/);
  });

  it("collateral key that is not an asset code is reported at its path", () => {
    const i = at(issuesOf(parsePortfolio({ account: "a", collateral: { btc: 1 } })), "collateral.btc");
    expect(i.value).toBe("btc");
    expect(i.message).toContain("asset code");
  });

  it("empty or missing account", () => {
    expect(at(issuesOf(parsePortfolio({ account: "" })), "account").value).toBe("");
    expect(at(issuesOf(parsePortfolio({ positions: [] })), "account").value).toBeUndefined();
    expect(at(issuesOf(parsePortfolio({ account: 7 })), "account").value).toBe(7);
  });

  it("an order needs a non-zero size", () => {
    const i = at(issuesOf(parsePortfolio({ account: "a", openOrders: [{ instrument: "BTC-PERPETUAL", size: 0 }] })), "openOrders[0].size");
    expect(i.value).toBe(0);
  });

  it("a non-object portfolio is reported at the root", () => {
    expect(issuesOf(parsePortfolio([1, 2]))[0].path).toBe("(root)");
    expect(issuesOf(parsePortfolio(null))[0].path).toBe("(root)");
  });

  it("every problem of one portfolio is reported at once, with the prefix", () => {
    const issues = issuesOf(parsePortfolio({
      account: "a",
      bogus: true,
      collateral: { BTC: -1 },
      positions: [
        { instrument: "BTC-PERPETUAL", size: "5 BTC" },
        { instrument: "NOPE-1", size: 1 },
        { instrument: "BTC-PERPETUAL", size: 1, sizee: 2 },
      ],
    }, "[3]"));
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(["[3].bogus", "[3].collateral.BTC", "[3].positions[0].size", "[3].positions[1].instrument", "[3].positions[2].sizee"].sort());
  });
});

// ---------------------------------------------------------------- market

const mkt = (over: Record<string, unknown> = {}) => ({
  asOf: "2024-11-20T08:00:00Z",
  assets: { BTC: { index: 92000, vol: 0.55 }, USDC: { index: 1 } },
  instruments: { "BTC-PERPETUAL": { mark: 92050 } },
  ...over,
});

describe("parseMarket", () => {
  it("accepts a valid snapshot; asOf becomes epoch ms; instruments default to {}", () => {
    const r = accepted(parseMarket(mkt()));
    expect(r.value.asOf).toBe(Date.parse("2024-11-20T08:00:00Z"));
    expect(r.value.assets.BTC.index).toBe(92000);
    const r2 = accepted(parseMarket({ asOf: "2024-11-20T08:00:00+01:00", assets: {} }));
    expect(r2.value.instruments).toEqual({});
    expect(r2.value.asOf).toBe(Date.parse("2024-11-20T07:00:00Z"));
  });

  it("unknown fields at top level, in an asset and in an instrument", () => {
    const issues = issuesOf(parseMarket(mkt({
      extra: 1,
      assets: { BTC: { index: 92000, volatility: 0.5 } },
      instruments: { "BTC-PERPETUAL": { mark: 1, iv: 0.5 } },
    })));
    expect(at(issues, "extra").message).toBe("unknown field");
    expect(at(issues, "assets.BTC.volatility").value).toBe(0.5);
    expect(at(issues, 'instruments["BTC-PERPETUAL"].iv').value).toBe(0.5);
  });

  it("zero and negative index", () => {
    for (const index of [0, -1]) {
      const i = at(issuesOf(parseMarket(mkt({ assets: { BTC: { index } } }))), "assets.BTC.index");
      expect(i.value).toBe(index);
      expect(i.message).toMatch(/> 0/);
    }
  });

  it("index as a string", () => {
    expect(at(issuesOf(parseMarket(mkt({ assets: { BTC: { index: "92000" } } }))), "assets.BTC.index").value).toBe("92000");
  });

  it("negative mark", () => {
    const i = at(issuesOf(parseMarket(mkt({ instruments: { "BTC-PERPETUAL": { mark: -5 } } }))), 'instruments["BTC-PERPETUAL"].mark');
    expect(i.value).toBe(-5);
  });

  it("vol 0 and vol 20 are rejected; 10 is the maximum", () => {
    for (const vol of [0, 20, -0.5]) {
      const i = at(issuesOf(parseMarket(mkt({ assets: { BTC: { index: 92000, vol } } }))), "assets.BTC.vol");
      expect(i.value).toBe(vol);
      expect(i.message).toMatch(/volatility/);
    }
    accepted(parseMarket(mkt({ assets: { BTC: { index: 92000, vol: 10 } } })));
    const i = at(issuesOf(parseMarket(mkt({ instruments: { "BTC-27DEC24-60000-C": { markIv: 0 } } }))), 'instruments["BTC-27DEC24-60000-C"].markIv');
    expect(i.value).toBe(0);
  });

  it("bad asOf: 'yesterday', a date without time, missing", () => {
    for (const asOf of ["yesterday", "2024-11-20", "2024-11-20T08:00:00", "2024-13-45T08:00:00Z"]) {
      const i = at(issuesOf(parseMarket(mkt({ asOf }))), "asOf");
      expect(i.value).toBe(asOf);
      expect(i.message).toMatch(/ISO-8601/);
    }
    const { asOf: _drop, ...noAsOf } = mkt();
    expect(at(issuesOf(parseMarket(noAsOf)), "asOf").value).toBeUndefined();
  });

  it("rate outside [-1, 1]", () => {
    expect(at(issuesOf(parseMarket(mkt({ assets: { BTC: { index: 92000, rate: 2 } } }))), "assets.BTC.rate").value).toBe(2);
  });

  it("bad SVI in a surface (b < 0) is reported at the expiry's path", () => {
    const slice = { a: 0.01, b: -0.1, rho: 0, m: 0, sigma: 0.2 };
    const issues = issuesOf(parseMarket(mkt({ assets: { BTC: { index: 92000, surface: { "27DEC24": slice } } } })));
    const i = at(issues, 'assets.BTC.surface["27DEC24"]');
    expect(i.message).toMatch(/b must be >= 0/);
    expect(i.value).toEqual(slice);
  });

  it("surface with a bad expiry code or a missing SVI field", () => {
    const good = { a: 0.01, b: 0.1, rho: 0, m: 0, sigma: 0.2 };
    accepted(parseMarket(mkt({ assets: { BTC: { index: 92000, surface: { "27DEC24": good } } } })));
    const issues = issuesOf(parseMarket(mkt({ assets: { BTC: { index: 92000, surface: { "27DEC24": { a: 0.01, b: 0.1, rho: 0, m: 0 } } } } })));
    expect(at(issues, 'assets.BTC.surface["27DEC24"].sigma').value).toBeUndefined();
    const i = issuesOf(parseMarket(mkt({ assets: { BTC: { index: 92000, surface: { DEC24: good } } } })));
    expect(i.some((x) => x.path.startsWith("assets.BTC.surface"))).toBe(true);
  });

  it("all problems of a snapshot are reported at once", () => {
    const issues = issuesOf(parseMarket({
      asOf: "yesterday",
      assets: { BTC: { index: 0, vol: 20 }, ETH: { index: -1 } },
      instruments: { "BTC-PERPETUAL": { mark: -5 } },
    }));
    expect(issues.map((i) => i.path).sort()).toEqual(["asOf", "assets.BTC.index", "assets.BTC.vol", "assets.ETH.index", 'instruments["BTC-PERPETUAL"].mark'].sort());
  });
});

// ---------------------------------------------------------------- params

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh deep copy of the shipped deribit preset (never mutate the cached one). */
function deribit(): Json {
  const r = rawPreset("deribit");
  expect(r).toBeDefined();
  return structuredClone(r) as Json;
}

function paramsIssues(mutate: (p: Json) => void): InputIssue[] {
  const p = deribit();
  mutate(p);
  return issuesOf(parseParams(p, rawPreset));
}

function paramsOk(mutate: (p: Json) => void) {
  const p = deribit();
  mutate(p);
  return accepted(parseParams(p, rawPreset)).value;
}

describe("parseParams", () => {
  it("the shipped deribit preset is valid", () => {
    const v = accepted(parseParams(deribit(), rawPreset)).value;
    expect(v.portfolio.underlyings.BTC.priceRange).toBe(0.16);
    expect(v.portfolio.mmFactor).toBe(0.8);
  });

  it("priceRange: bounds 0.001..0.95 inclusive", () => {
    expect(paramsOk((p) => (p.portfolio.underlyings.BTC.priceRange = 0.001)).portfolio.underlyings.BTC.priceRange).toBe(0.001);
    expect(paramsOk((p) => (p.portfolio.underlyings.BTC.priceRange = 0.95)).portfolio.underlyings.BTC.priceRange).toBe(0.95);
    for (const v of [0.0009, 0, -0.1, 0.951, 1]) {
      const i = at(paramsIssues((p) => (p.portfolio.underlyings.BTC.priceRange = v)), "portfolio.underlyings.BTC.priceRange");
      expect(i.value).toBe(v);
      expect(i.message).toMatch(/between 0.001 and 0.95/);
    }
  });

  it("buckets: integer 1..50", () => {
    paramsOk((p) => (p.portfolio.underlyings.default.buckets = 1));
    paramsOk((p) => (p.portfolio.underlyings.default.buckets = 50));
    for (const v of [0, 51]) {
      const i = at(paramsIssues((p) => (p.portfolio.underlyings.default.buckets = v)), "portfolio.underlyings.default.buckets");
      expect(i.value).toBe(v);
      expect(i.message).toMatch(/between 1 and 50/);
    }
    const i = at(paramsIssues((p) => (p.portfolio.underlyings.default.buckets = 2.5)), "portfolio.underlyings.default.buckets");
    expect(i.value).toBe(2.5);
    expect(i.message).toMatch(/integer/);
  });

  it("mmFactor: 0.1..1", () => {
    paramsOk((p) => (p.portfolio.mmFactor = 0.1));
    paramsOk((p) => (p.portfolio.mmFactor = 1));
    for (const v of [0.09, 1.01]) {
      const i = at(paramsIssues((p) => (p.portfolio.mmFactor = v)), "portfolio.mmFactor");
      expect(i.value).toBe(v);
      expect(i.message).toMatch(/between 0.1 and 1/);
    }
  });

  it("volDown: 0..1", () => {
    paramsOk((p) => (p.portfolio.underlyings.ETH.volDown = 0));
    paramsOk((p) => (p.portfolio.underlyings.ETH.volDown = 1));
    for (const v of [-0.01, 1.01]) {
      const i = at(paramsIssues((p) => (p.portfolio.underlyings.ETH.volDown = v)), "portfolio.underlyings.ETH.volDown");
      expect(i.value).toBe(v);
    }
  });

  it("a parameter given as a string", () => {
    expect(at(paramsIssues((p) => (p.portfolio.mmFactor = "0.8")), "portfolio.mmFactor").value).toBe("0.8");
  });

  it("haircut schedule must start at 0", () => {
    const i = at(paramsIssues((p) => (p.collateral.haircuts.BTC[0].fromUsd = 100)), "collateral.haircuts.BTC[0].fromUsd");
    expect(i.message).toMatch(/start at 0/);
    expect(i.value).toBe(100);
  });

  it("haircut schedule must be increasing in fromUsd", () => {
    const issues = paramsIssues((p) => {
      p.collateral.haircuts.BTC = [{ fromUsd: 0, haircut: 0.02 }, { fromUsd: 5e7, haircut: 0.05 }, { fromUsd: 1e7, haircut: 0.1 }];
    });
    const i = at(issues, "collateral.haircuts.BTC[2].fromUsd");
    expect(i.message).toMatch(/increasing/);
    expect(i.value).toBe(1e7);
    const eq = paramsIssues((p) => {
      p.collateral.haircuts.ETH = [{ fromUsd: 0, haircut: 0.02 }, { fromUsd: 0, haircut: 0.05 }];
    });
    expect(at(eq, "collateral.haircuts.ETH[1].fromUsd").message).toMatch(/increasing/);
  });

  it("haircut above 1 and a non-object schedule point", () => {
    expect(at(paramsIssues((p) => (p.collateral.haircuts.USDT[1].haircut = 1.5)), "collateral.haircuts.USDT[1].haircut").value).toBe(1.5);
    expect(at(paramsIssues((p) => p.collateral.haircuts.BTC.push(5)), "collateral.haircuts.BTC[3]").value).toBe(5);
  });

  it("extendedWeights must match extendedMoves in length", () => {
    const i = at(paramsIssues((p) => (p.portfolio.extendedWeights = [0.5, 0.5])), "portfolio.extendedWeights");
    expect(i.message).toMatch(/one weight per extended move \(8\)/);
    expect(i.value).toEqual([0.5, 0.5]);
    paramsOk((p) => (p.portfolio.extendedWeights = [1, 1, 1, 1, 1, 1, 1, 1]));
  });

  it("an extended move of 0 is rejected", () => {
    expect(at(paramsIssues((p) => (p.portfolio.extendedMoves[2] = 0)), "portfolio.extendedMoves[2]").message).toMatch(/not be 0/);
  });

  it("maps need a \"default\" entry", () => {
    const i = at(paramsIssues((p) => delete p.portfolio.underlyings.default), "portfolio.underlyings");
    expect(i.message).toMatch(/default/);
    expect(at(paramsIssues((p) => delete p.collateral.haircuts.default), "collateral.haircuts").message).toMatch(/default/);
    expect(at(paramsIssues((p) => delete p.standard.options.default), "standard.options").message).toMatch(/default/);
  });

  it("unknown fields, at the top and nested", () => {
    const issues = paramsIssues((p) => {
      p.foo = 1;
      p.portfolio.underlyings.BTC.pricerange = 0.2;
    });
    expect(at(issues, "foo").message).toBe("unknown field");
    expect(at(issues, "portfolio.underlyings.BTC.pricerange").value).toBe(0.2);
  });

  it("futures maintenance must not exceed initial", () => {
    const issues = paramsIssues((p) => (p.standard.futures.BTC.maintenance = 0.05));
    expect(issues.some((i) => i.path.startsWith("standard.futures.BTC") && /maintenance/.test(i.message))).toBe(true);
  });

  it("extends a preset with a partial override", () => {
    const v = accepted(parseParams({ extends: "deribit", name: "mine", portfolio: { mmFactor: 0.5, underlyings: { BTC: { priceRange: 0.2 } } } }, rawPreset)).value;
    expect(v.name).toBe("mine");
    expect(v.portfolio.mmFactor).toBe(0.5);
    expect(v.portfolio.underlyings.BTC.priceRange).toBe(0.2);
    // untouched values come from the preset
    expect(v.portfolio.underlyings.BTC.buckets).toBe(4);
    expect(v.portfolio.underlyings.ETH.priceRange).toBe(0.18);
    expect(v.portfolio.extendedMoves).toEqual([-0.66, -0.33, 0.5, 1, 2, 3, 4, 5]);
    // and the cached preset itself is unchanged
    expect((rawPreset("deribit") as Json).portfolio.mmFactor).toBe(0.8);
    expect((rawPreset("deribit") as Json).portfolio.underlyings.BTC.priceRange).toBe(0.16);
  });

  it("an override that breaks a bound is reported at its path", () => {
    const issues = issuesOf(parseParams({ extends: "deribit", portfolio: { mmFactor: 5 } }, rawPreset));
    expect(at(issues, "portfolio.mmFactor").value).toBe(5);
  });

  it("extends an unknown preset", () => {
    const issues = issuesOf(parseParams({ extends: "nope", portfolio: { mmFactor: 0.5 } }, rawPreset));
    const i = at(issues, "extends");
    expect(i.value).toBe("nope");
    expect(i.message).toMatch(/known preset/);
    expect(at(issuesOf(parseParams({ extends: 3 }, rawPreset)), "extends").value).toBe(3);
    expect(at(issuesOf(parseParams({ extends: "../deribit" }, rawPreset)), "extends").value).toBe("../deribit");
  });

  it("an empty object is missing every section", () => {
    const paths = issuesOf(parseParams({}, rawPreset)).map((i) => i.path);
    for (const p of ["name", "source", "portfolio", "standard", "collateral"]) expect(paths).toContain(p);
  });
});
