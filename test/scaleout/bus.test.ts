import { InprocBus } from "../../src/adapters/bus-inproc/inprocBus.js";
import { busConformance } from "./bus.conformance.js";
import { freshNatsBus, natsReachable } from "./nats.js";

busConformance("inproc", async () => ({ bus: new InprocBus() }));
busConformance("NATS JetStream", freshNatsBus, !(await natsReachable()));
