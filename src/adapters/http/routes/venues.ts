/**
 * Routes of multi-venue accounts (docs/venues.md "In the service"): `GET /v1/accounts/:id/venues` (`dpm venues
 * --json` on the live account: venue rows, unified profile, allocation, and the book they were computed on),
 * `POST /v1/accounts/:id/venue-transfers` (a `venue_transfer` event), and the venue pre-trade check that
 * `POST /v1/accounts/:id/orders/check` answers for them.
 */
import type { FastifyInstance } from "fastify";
import { toUnits } from "../../../domain/money.js";
import type { Engine } from "../../../engine/engine.js";
import { refOf } from "../../../engine/priceBands.js";
import { instrumentOf, type AccountState } from "../../../engine/state.js";
import { oracleRefusalOn, venuePreTrade, type VenueOrderCheck } from "../../../engine/venueChecks.js";
import { venueProblem } from "../../../engine/venueLedger.js";
import { venuesView } from "../../../engine/venueAccount.js";
import { priceIssue } from "../../../input/bounds.js";
import type { InputIssue } from "../../../input/issues.js";
import { parseBody, venuesQuery, venueTransferBody } from "../schemas.js";
import { sendError, sendSubmit, type ServerDeps } from "../server.js";

/** The refusal of a request that needs venues on an account that has none (409). */
export const singleVenue = (id: string): string => `account ${id} is single-venue: it has no venues (create it with venues, or load a multi-venue book)`;

type CheckAnswer = { ok: true; value: VenueOrderCheck } | { ok: false; status: 400 | 409; reason: string; issues?: readonly InputIssue[] };

/** Pre-trade check of an order on a venue of a multi-venue account (venueChecks.ts `venuePreTrade`), with the checks a fill on it would meet. */
export function venueOrderCheck(engine: Engine, a: AccountState, b: { instrument: string; size: string; price?: number; venue?: string }): CheckAnswer {
  const ctx = engine.riskContext()?.context(), before = engine.margins.get(a.id), m = engine.state.market;
  if (!ctx || !before || !m) return { ok: false, status: 409, reason: "no market yet" };
  const inst = instrumentOf(b.instrument), risk = ctx.risk(inst);
  if (!risk.ok) return { ok: false, status: 409, reason: risk.reason };
  const px = b.price ?? risk.value.markPrice;
  const vp = venueProblem(engine.state, { type: "fill", account: a.id, instrument: b.instrument, size: b.size, price: px, ...(b.venue !== undefined ? { venue: b.venue } : {}) });
  if (vp) return { ok: false, status: vp.status, reason: vp.status === 400 ? "invalid request for this account's venues" : vp.issue.message, issues: [vp.issue] };
  const ref = refOf(m, inst), band = b.price !== undefined && ref ? priceIssue("price", inst, b.price, ref, engine.bands.priceBand) : undefined;
  if (band) return { ok: false, status: 409, reason: "refused: outside the bounds of the current market (price)", issues: [band] };
  const venue = b.venue as string;
  const refusal = oracleRefusalOn(engine.state, a, venue, b.instrument, toUnits(b.size) ?? 0n);
  if (refusal) return { ok: false, status: 409, reason: refusal };
  return { ok: true, value: venuePreTrade(engine.state, a, before, venue, b.instrument, b.size, px) };
}

/** Register the multi-venue routes (GET venues, POST venue-transfers). */
export function registerVenueRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { engine } = deps;
  app.get<{ Params: { id: string } }>("/v1/accounts/:id/venues", { config: { access: "own" } }, async (req, reply) => {
    const q = parseBody(venuesQuery, req.query);
    if (!q.ok) return sendError(reply, 400, "invalid query", q.issues);
    const a = engine.state.accounts.get(req.params.id);
    if (!a) return sendError(reply, 404, `account ${req.params.id} does not exist`);
    if (!a.venues) return sendError(reply, 409, singleVenue(a.id));
    const v = venuesView(engine.state, a, q.value.target);
    return v.ok ? v.value : sendError(reply, 409, `the account's venues cannot be margined: ${v.reason}`);
  });
  app.post<{ Params: { id: string } }>("/v1/accounts/:id/venue-transfers", { config: { access: "own" } }, async (req, reply) => {
    const b = parseBody(venueTransferBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    return sendSubmit(reply, await engine.submit({ type: "venue_transfer", account: req.params.id, ...b.value }));
  });
}
