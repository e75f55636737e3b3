/**
 * The binding component of an account's margin: the single term that sets the most initial margin.
 *
 * Initial margin is a sum of terms (per risk unit and per account), and a few terms are maxima of others.
 * The binding component is the largest **additive IM term** of the result, in the result's currency:
 *
 * - grid portfolio model (deribit, deribit-cross): per risk unit `worstScenario`, `extendedScenario` (IM takes
 *   the larger of the two, so the smaller one can never be the largest term), `rollShock`, `deltaShock`,
 *   `shortOptionMinimum`, `openOrders`;
 * - OKX: each unit's `riskUnitMMR` (its `term` is the MR that sets it, `detail.binding`: MR1, MR2, MR6 or MR7) and
 *   `openOrders`; the MR1…MR9 sub-terms are not candidates;
 * - SPAN: each commodity's `commodityRequirement` (its `term`: `shortOptionMinimum` when that component says it
 *   binds, else `scanRisk`) and `shortOptionMinimum` itself;
 * - Derive PM2: `worstLoss` and `ForwardContingency` (reported as negative net margin, so negated),
 *   `IMOptionCont`, `IMPerpCont`, `IMBaseCont`, `OracleCont`; Derive SRM: `OptionIM`, `PerpIM`, `BaseIM`,
 *   `DepegIMs`, `OracleConts` (negated);
 * - add-ons outside the core result, passed as `extra` (the engine's `concentration` and `stablePrice`).
 *
 * Not candidates: credits (`correlationCredit`, `pnlOffsetCredit`, `interCommodityCredit`), terms that reduce
 * adjusted equity rather than raise IM (`haircut`, `unsharedGains`), informational components. Ties go to the
 * earlier candidate (result order, then `extra`). No candidate above 0: no binding component (null).
 */
import type { MarginComponent } from "./result.js";

/** Sign with which a component's amount enters initial margin, by component name. */
const IM_TERMS: Readonly<Record<string, 1 | -1>> = {
  worstScenario: 1, extendedScenario: 1, rollShock: 1, deltaShock: 1, shortOptionMinimum: 1, openOrders: 1,
  riskUnitMMR: 1, commodityRequirement: 1,
  worstLoss: -1, ForwardContingency: -1, IMOptionCont: 1, IMPerpCont: 1, IMBaseCont: 1, OracleCont: 1,
  OptionIM: -1, PerpIM: -1, BaseIM: -1, DepegIMs: -1, OracleConts: -1,
};

/** An IM term from outside the core result (engine add-ons). */
export interface ExtraTerm {
  readonly name: string;
  readonly amount: number;
  readonly underlying?: string;
  readonly instrument?: string;
  /** Shown after the name (e.g. `rate 12.5 %`). */
  readonly note?: string;
}

/** The term that sets the most initial margin. */
export interface BindingComponent {
  /** Component name as in the margin result (`worstScenario`, `riskUnitMMR`, …) or the add-on's (`concentration`, `stablePrice`). */
  readonly name: string;
  /** For a unit total of a venue method: the sub-term that sets it (OKX `MR1`, SPAN `scanRisk`). */
  readonly term?: string;
  readonly underlying?: string;
  readonly instrument?: string;
  /** The term's contribution to IM (result currency, > 0). */
  readonly amount: number;
  /** amount / initial margin (null when IM ≤ 0). */
  readonly share: number | null;
  readonly scenario?: { readonly priceShock: number; readonly volShock: string; readonly weight?: number };
  /** One line for people: `worstScenario BTC −16.0 % vol up`. */
  readonly label: string;
}

/** A move as people read it: `−16.0 %`, `+8.0 %` (true minus sign, space before %). */
export function signedPercent(x: number, digits = 1): string {
  const v = (x * 100).toFixed(digits);
  const zero = Number(v) === 0;
  return `${zero ? "" : x < 0 ? "−" : "+"}${zero ? (0).toFixed(digits) : v.replace("-", "")} %`;
}

function scenarioText(s: NonNullable<BindingComponent["scenario"]>): string {
  return `${signedPercent(s.priceShock)} vol ${s.volShock}${s.weight !== undefined ? ` ×${s.weight.toFixed(3)}` : ""}`;
}

/** The sub-term of a venue unit total, with the component that carries its scenario. */
function subTerm(c: MarginComponent, unit: readonly MarginComponent[]): { term?: string; carrier?: MarginComponent } {
  if (c.name === "riskUnitMMR") {
    const term = typeof c.detail?.binding === "string" ? c.detail.binding : undefined;
    return { term, carrier: term ? unit.find((x) => x.name === term) : undefined };
  }
  if (c.name === "commodityRequirement") {
    const som = unit.find((x) => x.name === "shortOptionMinimum");
    const term = som?.detail?.binding === true ? "shortOptionMinimum" : "scanRisk";
    return { term, carrier: unit.find((x) => x.name === term) };
  }
  return {};
}

function labelOf(b: Omit<BindingComponent, "label">, note?: string, detailText?: string): string {
  const parts = [b.term ? `${b.name} (${b.term})` : b.name];
  if (b.underlying) parts.push(b.underlying);
  if (b.instrument) parts.push(b.instrument);
  if (b.scenario) parts.push(scenarioText(b.scenario));
  if (note) parts.push(note);
  if (detailText) parts.push(detailText);
  return parts.join(" ");
}

/**
 * The binding component of a margin result (definition above). `initialMargin` is the IM the share is taken
 * of (the engine's IM includes its add-ons); `extra` are IM terms outside the result. Pure.
 */
export function bindingComponent(components: readonly MarginComponent[], initialMargin: number, extra: readonly ExtraTerm[] = []): BindingComponent | null {
  let best: MarginComponent | undefined;
  let bestAmount = 0;
  for (const c of components) {
    const sign = Object.hasOwn(IM_TERMS, c.name) ? IM_TERMS[c.name] : 0;
    const v = sign * c.amount;
    if (Number.isFinite(v) && v > bestAmount) { best = c; bestAmount = v; }
  }
  let ex: ExtraTerm | undefined;
  for (const e of extra) if (Number.isFinite(e.amount) && e.amount > bestAmount) { ex = e; bestAmount = e.amount; }
  const share = initialMargin > 0 ? bestAmount / initialMargin : null;
  if (ex) {
    const b = { name: ex.name, amount: ex.amount, share, ...(ex.underlying ? { underlying: ex.underlying } : {}), ...(ex.instrument ? { instrument: ex.instrument } : {}) };
    return { ...b, label: labelOf(b, ex.note) };
  }
  if (!best) return null;
  const unit = components.filter((x) => x.underlying === best.underlying);
  const { term, carrier } = subTerm(best, unit);
  const scenario = best.scenario ?? carrier?.scenario;
  const b = {
    name: best.name, amount: bestAmount, share, ...(term ? { term } : {}), ...(best.underlying ? { underlying: best.underlying } : {}),
    ...(best.instrument ? { instrument: best.instrument } : {}), ...(scenario ? { scenario } : {}),
  };
  const scen = best.detail?.binding;
  return { ...b, label: labelOf(b, undefined, !scenario && typeof scen === "string" && scen.startsWith("scenario") ? scen : undefined) };
}
