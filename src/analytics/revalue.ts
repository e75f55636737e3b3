/**
 * Full revaluation of an account under joint scenarios of daily log returns (DESIGN.md section 6).
 *
 * A scenario gives each risk factor (a non-stablecoin asset) a log return r; the index and every forward
 * of that underlying move by exp(r). Options are repriced with Black-76 at the new forward, with their
 * implied vol unchanged (sticky strike: the snapshot's vols carry no history, so no vol factor is
 * simulated) and with time to expiry shortened by the horizon. Stablecoins stay at their index.
 * P&L is in the numeraire: equity after / numeraire after − equity now / numeraire now.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { ResolvedInstrument } from "../market/resolve.js";
import { unitValueUsd } from "../pricing/instrumentValue.js";
import { accountBook } from "../margin/accountBook.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { ScenarioSet } from "../risk/scenarios.js";

/** One revaluable line of the account: a position or a collateral balance. */
export interface RevalLine {
  /** Position index in the portfolio, or −1 for collateral. */
  readonly position: number;
  readonly label: string;
  /** Factor index, or −1 when it does not move (stablecoin). */
  readonly factor: number;
  readonly size: number;
  /** Null for collateral (valued as amount × index). */
  readonly resolved: ResolvedInstrument | null;
  /** Reference price of a future (entry price, else the current forward). */
  readonly reference?: number;
  /** USD value now of the whole line. */
  readonly valueNow: number;
  /** USD index of the collateral asset now. */
  readonly index: number;
}

/** An account prepared for scenario revaluation. */
export interface RevalBook {
  /** Risk factors: the non-stablecoin assets the account is exposed to (sorted). */
  readonly factors: readonly string[];
  readonly lines: readonly RevalLine[];
  /** Factor of the numeraire, or −1 when it does not move (USD, stablecoin). */
  readonly numeraireFactor: number;
  readonly numeraireIndex: number;
  /** Equity now in the numeraire. */
  readonly equity: number;
}

/** Prepare an account for revaluation against a risk context. */
export function revalBook(ctx: RiskContext, pf: Portfolio): Parsed<RevalBook> {
  const assets = new Set<string>();
  for (const p of pf.positions) if (!ctx.isStable(p.instrument.underlying)) assets.add(p.instrument.underlying);
  for (const [a, amt] of Object.entries(pf.collateral)) if (amt !== 0 && !ctx.isStable(a)) assets.add(a);
  const factors = [...assets].sort();
  const fi = (a: string): number => factors.indexOf(a);
  // The account book resolves and values every line once (the margin models use the same one).
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  const ab = abp.value;
  const N = ctx.numeraire.index;
  const lines: RevalLine[] = pf.positions.map((p, i) => {
    const res = ab.risks[i].resolved;
    const isFut = p.instrument.kind === "future" || p.instrument.kind === "perpetual";
    const reference = isFut ? p.entryPrice ?? res.forward : undefined;
    return { position: i, label: p.instrument.name, factor: fi(p.instrument.underlying), size: p.size, resolved: res, reference, valueNow: ab.values[i] * N, index: res.index };
  });
  for (const [a, amt] of Object.entries(pf.collateral)) {
    lines.push({ position: -1, label: `collateral ${a}`, factor: fi(a), size: amt, resolved: null, valueNow: (ab.collateralValues.get(a) ?? 0) * N, index: ctx.usdIndex(a) ?? 0 });
  }
  const num = ctx.numeraire;
  const numeraireFactor = num.currency === "USD" ? -1 : fi(num.currency);
  return { ok: true, value: { factors, lines, numeraireFactor, numeraireIndex: num.index, equity: ab.equity } };
}

/** USD P&L of one line under each scenario, added into `usd` (length S). */
function addLine(line: RevalLine, set: ScenarioSet, usd: Float64Array): void {
  const F = set.factors.length, S = set.count, f = line.factor;
  if (f < 0) return;
  if (line.resolved === null) {
    for (let s = 0; s < S; s++) usd[s] += line.valueNow * (Math.exp(set.returns[s * F + f]) - 1);
    return;
  }
  const res = line.resolved;
  const inst = res.instrument;
  const aged: ResolvedInstrument = inst.kind === "option" ? { ...res, T: Math.max(0, res.T - set.horizonDays / 365) } : res;
  for (let s = 0; s < S; s++) {
    const shock = Math.expm1(set.returns[s * F + f]);
    usd[s] += line.size * unitValueUsd(aged, shock, res.vol, line.reference) - line.valueNow;
  }
}

/** Map a book's factors onto a scenario set's factor order; error when one is missing. */
function checkFactors(book: RevalBook, set: ScenarioSet): Parsed<true> {
  for (let i = 0; i < book.factors.length; i++) {
    if (set.factors[i] !== book.factors[i]) return { ok: false, reason: `scenario factors ${set.factors.join(",")} do not match the account's ${book.factors.join(",")}` };
  }
  return { ok: true, value: true };
}

/** Account P&L in the numeraire per scenario, and optionally per line (for marginal contributions). */
export function scenarioPnl(book: RevalBook, set: ScenarioSet, perLine = false): Parsed<{ total: Float64Array; lines: Float64Array[] }> {
  const c = checkFactors(book, set);
  if (!c.ok) return c;
  const S = set.count;
  const usd = new Float64Array(S);
  const lines: Float64Array[] = [];
  for (const line of book.lines) {
    if (perLine) {
      const one = new Float64Array(S);
      addLine(line, set, one);
      for (let s = 0; s < S; s++) usd[s] += one[s];
      lines.push(one);
    } else addLine(line, set, usd);
  }
  const total = toNumeraire(book, set, usd);
  if (perLine) {
    // Per-line P&L in the numeraire; with a moving numeraire the equity-now term is allocated by value.
    for (let li = 0; li < lines.length; li++) lines[li] = toNumeraire(book, set, lines[li], book.lines[li].valueNow);
  }
  return { ok: true, value: { total, lines } };
}

/** USD P&L → numeraire P&L: (E₀ + ΔE)/N' − E₀/N₀ with E₀ = `equityUsd` (the book's equity unless given). */
function toNumeraire(book: RevalBook, set: ScenarioSet, usd: Float64Array, equityUsd = book.equity * book.numeraireIndex): Float64Array {
  const N0 = book.numeraireIndex, nf = book.numeraireFactor, F = set.factors.length;
  if (nf < 0) {
    for (let s = 0; s < usd.length; s++) usd[s] /= N0;
    return usd;
  }
  for (let s = 0; s < usd.length; s++) {
    const N1 = N0 * Math.exp(set.returns[s * F + nf]);
    usd[s] = (equityUsd + usd[s]) / N1 - equityUsd / N0;
  }
  return usd;
}

/** The risk factors of an account: non-stablecoin underlyings of its positions and non-stablecoin collateral (sorted). */
export function factorAssets(pf: Portfolio, isStable: (asset: string) => boolean): string[] {
  const s = new Set<string>();
  for (const p of pf.positions) if (!isStable(p.instrument.underlying)) s.add(p.instrument.underlying);
  for (const [a, amt] of Object.entries(pf.collateral)) if (amt !== 0 && !isStable(a)) s.add(a);
  return [...s].sort();
}
