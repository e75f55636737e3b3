/** API key administration: issue (rotate) an account's key, revoke a key. Admin only. */
import type { FastifyInstance } from "fastify";
import { issueKeyBody, keyIdParam, parseBody } from "../schemas.js";
import { sendError, type ServerDeps } from "../server.js";
import type { StreamHub } from "../stream.js";

export function registerKeyRoutes(app: FastifyInstance, deps: ServerDeps, hub: StreamHub): void {
  const { engine, keys } = deps;
  /** A new key for an existing account (shown once; only its salted hash is stored). `revokeExisting` rotates. */
  app.post<{ Params: { id: string } }>("/v1/accounts/:id/keys", { config: { access: "admin" } }, async (req, reply) => {
    const b = parseBody(issueKeyBody, req.body ?? {});
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    if (!engine.state.accounts.has(req.params.id)) return sendError(reply, 404, `account ${req.params.id} does not exist`);
    const k = await keys.issueForAccount(req.params.id, deps.clock(), b.value.revokeExisting ?? false);
    return reply.code(201).send({ account: req.params.id, key: k.key, keyId: k.id, revoked: k.revoked });
  });
  /** Revoke a key: requests with it get 401 from now on. The last admin key cannot be revoked (409). */
  app.delete<{ Params: { keyId: string } }>("/v1/keys/:keyId", { config: { access: "admin" } }, async (req, reply) => {
    const p = parseBody(keyIdParam, req.params.keyId);
    if (!p.ok) return sendError(reply, 400, "invalid key id", p.issues.map((i) => ({ ...i, path: "keyId" })));
    const rec = await keys.record(p.value);
    if (!rec) return sendError(reply, 404, `no key ${p.value}`);
    if (rec.role === "admin" && !rec.revoked && !(await keys.otherAdminExists(rec.id))) return sendError(reply, 409, "this is the only admin key; issue another admin key (or set DPM_ADMIN_KEY) before revoking it");
    if (!rec.revoked) await keys.revoke(rec);
    deps.log.write("info", "API key revoked", { keyId: rec.id, role: rec.role, account: rec.account ?? null });
    const streamsClosed = hub.dropKey(rec.id);
    return { keyId: rec.id, role: rec.role, ...(rec.account !== undefined ? { account: rec.account } : {}), revoked: true, streamsClosed };
  });
}
