/**
 * Adaptive parameter routes (issue 13 item 5; docs/adaptive.md "In the service"), all admin:
 *
 * - `GET /v1/params/adaptive`: current vs static priceRange per asset, the live features, the regime test, the
 *   metadata (features, model output, bounds, impact) of the last applied proposal, the pending ones, the last run.
 * - `GET /v1/params/proposals`: every proposal kept, newest first, with its status.
 * - `POST /v1/params/proposals`: compute a proposal now (201 with it; 200 when nothing new would be logged: no range
 *   changes, or a pending proposal has the same ranges; 409 when it cannot be computed or without `--adaptive`).
 * - `POST /v1/params/proposals/:proposalId/approve` | `/reject`: apply it as a `params` event through the engine,
 *   or close it (201 with the logged event; 404 unknown; 409 not pending).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { proposalIdSchema } from "../../../engine/adaptiveEvents.js";
import { loadPreset, presetNames } from "../../../input/presets.js";
import { forAsset } from "../../../margin/params.js";
import { parseBody } from "../schemas.js";
import { sendError, sendSubmit, type ServerDeps } from "../server.js";

const OFF = "the service runs without adaptive parameters (dpm serve --adaptive propose|auto)";
const emptyBody = z.strictObject({}).optional();
const rejectBody = z.strictObject({ reason: z.string({ error: "must be a string" }).min(1).max(500, "must be at most 500 characters").optional() }).optional();

/** The view without a scheduler: the current parameters against their preset (or deribit), per asset of the market. */
function offView(deps: ServerDeps): Record<string, unknown> {
  const s = deps.engine.state;
  const ext = (s.paramsSource.params as { extends?: unknown } | undefined)?.extends;
  const base = s.paramsSource.preset ?? (typeof ext === "string" && presetNames().includes(ext) ? ext : "deribit");
  const stat = loadPreset(base).portfolio.underlyings, cur = s.params.portfolio.underlyings;
  const assets = Object.fromEntries(Object.keys(s.market?.assets ?? {}).filter((a) => !s.params.collateral.stablecoins.includes(a)).map((a) => [a, { current: forAsset(cur, a).priceRange, static: forAsset(stat, a).priceRange }]));
  return { mode: "off", base, assets, pending: [], lastRun: null, applied: null };
}

export function registerParamsRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const admin = { config: { access: "admin" as const } };
  app.get("/v1/params/adaptive", admin, async () => (deps.adaptive ? deps.adaptive.status() : offView(deps)));
  app.get("/v1/params/proposals", admin, async () => ({ mode: deps.adaptive?.config.mode ?? "off", proposals: deps.adaptive?.proposals() ?? [] }));
  app.post("/v1/params/proposals", admin, async (req, reply) => {
    const b = parseBody(emptyBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    const sched = deps.adaptive;
    if (!sched) return sendError(reply, 409, OFF);
    const run = await sched.runNow("manual");
    if (run.outcome === "failed") return sendError(reply, 409, `no proposal: ${run.detail}`, undefined, run);
    const proposal = run.proposal ? sched.book.get(run.proposal) ?? null : null;
    return reply.code(run.outcome === "proposed" ? 201 : 200).send({ run, proposal });
  });
  for (const action of ["approve", "reject"] as const) {
    app.post(`/v1/params/proposals/:proposalId/${action}`, admin, async (req, reply) => {
      const id = proposalIdSchema.safeParse((req.params as { proposalId: string }).proposalId);
      if (!id.success) return sendError(reply, 400, "invalid proposal id", [{ path: "proposalId", message: "must be a proposal id such as p-1", value: (req.params as { proposalId: string }).proposalId }]);
      const b = parseBody(action === "approve" ? emptyBody : rejectBody, req.body);
      if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
      const sched = deps.adaptive;
      if (!sched) return sendError(reply, 404, `no proposal ${id.data} (${OFF})`);
      const reason = (b.value as { reason?: string } | undefined)?.reason;
      return sendSubmit(reply, await (action === "approve" ? sched.approve(id.data) : sched.reject(id.data, reason)));
    });
  }
}
