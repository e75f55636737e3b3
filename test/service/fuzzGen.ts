/**
 * Hostile request generators for the fuzz suite (test/service/fuzz.test.ts), fast-check arbitraries. A request
 * is a method, a path and a body given as raw JSON text, so bodies can hold what JSON.stringify cannot write:
 * 1e999 (parses to Infinity), deep nesting, escaped "__proto__" keys, lone surrogates. Each request is tagged
 * with its class of hostile input (or "valid"), for the table in docs/service.md. Not a test file.
 */
import fc from "fast-check";

/** The classes of hostile input, as counted in docs/service.md. */
export const CLASSES = ["valid", "non-finite/extreme number", "hostile decimal string", "deep nesting / many values", "prototype key or name", "unicode / control characters", "duplicate id", "out-of-order / absurd time", "wrong type or shape", "band edge / state attack"] as const;
export type HostileClass = (typeof CLASSES)[number];

/** A leaf written verbatim into the JSON text. */
export class Raw {
  constructor(readonly text: string) {}
}

/** JSON text of a value whose leaves may be Raw (verbatim). */
export function toText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toText).join(",")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toText(x)}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

export interface Req {
  readonly cls: HostileClass;
  readonly method: "POST" | "PUT" | "DELETE";
  readonly path: string;
  readonly body?: string;
  /** The route pattern as documented (for the status and schema check). */
  readonly route: string;
  /** Use this account's key instead of the admin key. */
  readonly as?: "alice";
}

const T0 = Date.parse("2024-11-20T08:00:00Z");

// ---- hostile values -------------------------------------------------------------------------------

const extremeNumber = fc.constantFrom("1e999", "-1e999", "5e-324", "-5e-324", "1e-320", "2.2250738585072014e-308", "-0", "0", "1.7976931348623157e308", "1e300", "-1e300", "1e-300", "1e15", "1e16", "-1", "4.9e-324", "1e12", "1.0000000000001e12", "9007199254740993").map((t) => new Raw(t));
const hostileDecimal = fc.oneof(
  fc.constantFrom("", " ", "NaN", "Infinity", "-Infinity", "1e5", "1E-7", "+1", " 1", "1 ", "0x10", "1_000", "١٢٣", "１２", "1.", ".5", "--1", "1.2.3", "0.0000000000001", "1000000000000000.000000000001", "1.000000000000000000000000001", "-0", "00000000000000000001", "9".repeat(17)),
  fc.integer({ min: 40, max: 5000 }).map((n) => "9".repeat(n)),
  fc.integer({ min: 13, max: 5000 }).map((n) => `0.${"0".repeat(n)}1`),
  fc.integer({ min: 1, max: 400 }).map((n) => `1.${"0".repeat(n)}`),
);
const protoName = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__", "isPrototypeOf");
const unicodeString = fc.oneof(
  fc.constantFrom("\u0000", "a\u0000b", "\u202ealice", "👩‍💻", "\ud800", "x\udfffy", "\u0007\b\f", "\u2028\u2029", "ＢＴＣ", "BTC\u0000", "BTC-PERPETUAL\u200b", "alice\n", "é".repeat(70)),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer({ min: 129, max: 200_000 }).map((n) => "A".repeat(n)),
);
/** Nesting as raw text: arrays or objects, depth beyond and around the 64 limit. */
const deep = fc.tuple(fc.integer({ min: 60, max: 20_000 }), fc.boolean()).map(([d, arr]) => new Raw(arr ? "[".repeat(d) + "]".repeat(d) : '{"a":'.repeat(d) + "1" + "}".repeat(d)));
const wrongType = fc.constantFrom<unknown>(null, true, [], {}, [1, 2], "12", { x: 1 }, new Raw("[" + "0,".repeat(100_000) + "0]"));

/** A hostile value of one class, for any field. */
export function hostileValue(cls: HostileClass): fc.Arbitrary<unknown> {
  switch (cls) {
    case "non-finite/extreme number": return extremeNumber;
    case "hostile decimal string": return hostileDecimal;
    case "deep nesting / many values": return deep;
    case "prototype key or name": return protoName;
    case "unicode / control characters": return unicodeString;
    default: return wrongType;
  }
}

// ---- valid bases per route ---------------------------------------------------------------------------

type Base = { method: Req["method"]; path: string; route: string; body?: Record<string, unknown>; as?: "alice" };

const inst = fc.constantFrom("BTC-PERPETUAL", "BTC-27DEC24", "ETH-PERPETUAL", "BTC-27DEC24-95000-C", "BTC-27DEC24-85000-P", "SOL_USDC-PERPETUAL", "BTC");
/** A price plausible for the instrument (so the request can be accepted). */
function priceFor(name: string, u: number): number {
  if (name.endsWith("-C") || name.endsWith("-P")) return 0.01 + 0.04 * u;
  const ref = name.startsWith("ETH") ? 3100 : name.startsWith("SOL") ? 240 : 92000;
  return Math.round(ref * (0.98 + 0.04 * u) * 100) / 100;
}
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const size = fc.oneof(fc.integer({ min: -20000, max: 20000 }).filter((x) => x !== 0).map(String), fc.constantFrom("0.5", "-0.25", "1", "-1"));
const amount = fc.oneof(fc.integer({ min: 1, max: 50_000 }).map(String), fc.constantFrom("0.000000000001", "12.5"));
const id = fc.constantFrom("f-1", "f-2", "f-3", "r-1", "r-2", "o-1", "o-2");

/** Valid requests of every write route (the bases hostile ones are made from). */
export function validBase(tick: () => number): fc.Arbitrary<Base> {
  const acct = fc.constantFrom("alice", "bob");
  return fc.oneof(
    fc.tuple(acct, inst, size, unit, id).map(([a, i, s, u, f]) => ({ method: "POST" as const, path: `/v1/accounts/${a}/fills`, route: "/v1/accounts/{id}/fills", body: { instrument: i, size: i.endsWith("-C") || i.endsWith("-P") || i === "BTC" ? String(Math.sign(Number(s)) || 1) : s, price: priceFor(i, u), fillId: f } })),
    fc.tuple(acct, amount, id).map(([a, x, r]) => ({ method: "POST" as const, path: `/v1/accounts/${a}/deposits`, route: "/v1/accounts/{id}/deposits", body: { asset: "USDC", amount: x, requestId: r } })),
    fc.tuple(amount, id).map(([x, r]) => ({ method: "POST" as const, path: "/v1/accounts/alice/withdrawals", route: "/v1/accounts/{id}/withdrawals", body: { asset: "USDC", amount: x, requestId: r }, as: "alice" as const })),
    fc.tuple(inst, size, unit, id).map(([i, s, u, o]) => ({ method: "POST" as const, path: "/v1/accounts/alice/orders", route: "/v1/accounts/{id}/orders", body: { orderId: o, instrument: i, size: s, price: priceFor(i, u) }, as: "alice" as const })),
    id.map((o) => ({ method: "DELETE" as const, path: `/v1/accounts/alice/orders/${o}`, route: "/v1/accounts/{id}/orders/{orderId}", as: "alice" as const })),
    fc.tuple(inst, size).map(([i, s]) => ({ method: "POST" as const, path: "/v1/accounts/alice/orders/check", route: "/v1/accounts/{id}/orders/check", body: { instrument: i, size: s }, as: "alice" as const })),
    fc.tuple(fc.constantFrom("BTC", "ETH", "SOL"), fc.double({ min: -0.03, max: 0.03, noNaN: true })).map(([a, d]) => ({ method: "POST" as const, path: "/v1/market/ticks", route: "/v1/market/ticks", body: { asset: a, ts: tick(), index: (a === "BTC" ? 92000 : a === "ETH" ? 3100 : 240) * (1 + d) } })),
    fc.tuple(fc.constantFrom("BTC-PERPETUAL", "ETH-PERPETUAL", "SOL_USDC-PERPETUAL"), fc.double({ min: -0.001, max: 0.001, noNaN: true })).map(([i, r]) => ({ method: "POST" as const, path: "/v1/funding", route: "/v1/funding", body: { instrument: i, rate: r } })),
    amount.map((x) => ({ method: "POST" as const, path: "/v1/insurance-fund/deposits", route: "/v1/insurance-fund/deposits", body: { asset: "USDC", amount: x } })),
    fc.tuple(fc.constantFrom("carol", "dave", "alice"), amount).map(([a, x]) => ({ method: "POST" as const, path: "/v1/accounts", route: "/v1/accounts", body: { id: a, collateral: { USDC: x } } })),
    fc.constantFrom("okx", "deribit", "span").map((p) => ({ method: "PUT" as const, path: "/v1/params", route: "/v1/params", body: { preset: p } })),
    fc.constantFrom("USD", "BTC", undefined).map((c) => ({ method: "POST" as const, path: "/v1/margin", route: "/v1/margin", body: { portfolio: { account: "x", collateral: { USDC: 1000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 1000 }] }, ...(c ? { currency: c } : {}) } })),
    fc.double({ min: 91000, max: 93000, noNaN: true }).map((p) => ({ method: "POST" as const, path: "/v1/oracle/prices", route: "/v1/oracle/prices", body: { ticks: ["a", "b", "c"].map((s) => ({ source: s, asset: "BTC", price: p, ts: tick() })) } })),
    fc.constant({ method: "POST" as const, path: "/v1/accounts/bob/keys", route: "/v1/accounts/{id}/keys", body: { revokeExisting: false } }),
  );
}

/** Make a hostile request of class `cls` from a valid base. */
export function hostile(cls: Exclude<HostileClass, "valid">, tick: () => number): fc.Arbitrary<Req> {
  const base = validBase(tick).filter((b) => b.body !== undefined);
  switch (cls) {
    case "deep nesting / many values":
      return fc.tuple(base, deep, fc.boolean()).map(([b, d, whole]) => ({ ...b, cls, body: whole ? d.text : toText({ ...b.body, [Object.keys(b.body ?? {})[0] ?? "x"]: d }) }));
    case "prototype key or name":
      return fc.tuple(base, protoName, fc.nat({ max: 3 }), fc.boolean()).map(([b, name, field, asKey]) => {
        const keys = Object.keys(b.body ?? {});
        const body = asKey ? toText({ ...b.body, [name]: { prototype: { polluted: true } } }) : toText({ ...b.body, [keys[field % keys.length]]: name });
        return { ...b, cls, body: asKey && name === "__proto__" ? body.replace('"__proto__"', field % 2 ? '"\\u005f_proto__"' : '"__proto__"') : body };
      });
    case "duplicate id":
      return fc.tuple(base, id).map(([b, i]) => ({ ...b, cls, body: toText({ ...b.body, ...(b.body && "fillId" in b.body ? { fillId: i, size: "7" } : {}), ...(b.body && "requestId" in b.body ? { requestId: i, amount: "3" } : {}), ...(b.body && "orderId" in b.body ? { orderId: i } : {}), ...(b.path === "/v1/accounts" ? { id: "alice" } : {}) }) }));
    case "out-of-order / absurd time":
      return fc.tuple(fc.constantFrom("BTC", "ETH"), fc.constantFrom(new Raw("0"), new Raw("-1"), new Raw(String(T0 - 1)), new Raw("8640000000000001"), new Raw("1.5"), new Raw("1e999"), new Raw(String(T0 + 1)))).map(([a, ts]) => ({ cls, method: "POST" as const, path: "/v1/market/ticks", route: "/v1/market/ticks", body: toText({ asset: a, ts, index: a === "BTC" ? 92000 : 3100 }) }));
    case "band edge / state attack":
      return fc.oneof(
        fc.tuple(inst, fc.constantFrom(0.49, 0.5, 2, 2.01, 1e-6, 1e6, 0.9999)).map(([i, k]) => ({ cls, method: "POST" as const, path: "/v1/accounts/alice/fills", route: "/v1/accounts/{id}/fills", body: toText({ instrument: i, size: "1", price: priceFor(i, 0.5) * k }) })),
        fc.constantFrom(0.4, 0.5, 1.5, 1.6, 3).map((k) => ({ cls, method: "POST" as const, path: "/v1/market/ticks", route: "/v1/market/ticks", body: toText({ asset: "SOL", ts: tick(), index: 240 * k, force: k === 3 }) })),
        fc.constantFrom("1000000000000000", "999999999999999.999999999999").map((s) => ({ cls, method: "POST" as const, path: "/v1/accounts/bob/fills", route: "/v1/accounts/{id}/fills", body: toText({ instrument: "BTC-PERPETUAL", size: s, price: 92000 }) })),
        fc.constantFrom(0.1, -0.1, 0.1000001).map((r) => ({ cls, method: "POST" as const, path: "/v1/funding", route: "/v1/funding", body: toText({ instrument: "BTC-PERPETUAL", rate: r }) })),
        fc.constant({ cls, method: "POST" as const, path: "/v1/accounts/alice/withdrawals", route: "/v1/accounts/{id}/withdrawals", body: toText({ asset: "USDC", amount: "99999999" }), as: "alice" as const }),
        fc.constantFrom("nope", "constructor", "__proto__").map((p) => ({ cls, method: "POST" as const, path: "/v1/margin", route: "/v1/margin", body: toText({ portfolio: { account: "x" }, preset: p }) })),
      );
    default:
      // a hostile value in one field of a valid body (or as the whole body for wrong shapes)
      return fc.tuple(base, hostileValue(cls), fc.nat({ max: 5 }), fc.boolean()).map(([b, v, field, whole]) => {
        const keys = Object.keys(b.body ?? {});
        const body = cls === "wrong type or shape" && whole ? toText(v) : toText({ ...b.body, [keys[field % keys.length] ?? "x"]: v });
        return { ...b, cls, body };
      });
  }
}

/** Requests print short in fast-check's reports (a body can be megabytes of brackets). */
export function short(q: Req): Req {
  if (Object.hasOwn(q, fc.toStringMethod)) return q;
  Object.defineProperty(q, fc.toStringMethod, { configurable: true, value: () => `${q.cls}: ${q.method} ${q.path} ${String(q.body).slice(0, 160)}${(q.body?.length ?? 0) > 160 ? `…(${q.body?.length} characters)` : ""}` });
  return q;
}

/** A request of any class (valid ones included so the state moves). */
export function anyRequest(tick: () => number): fc.Arbitrary<Req> {
  const valid = validBase(tick).map((b): Req => ({ ...b, cls: "valid", body: b.body === undefined ? undefined : toText(b.body) }));
  const hostiles = CLASSES.filter((c): c is Exclude<HostileClass, "valid"> => c !== "valid").map((c) => hostile(c, tick));
  return fc.oneof({ arbitrary: valid, weight: 4 }, ...hostiles.map((h) => ({ arbitrary: h, weight: 1 }))).map(short);
}
