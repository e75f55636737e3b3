/** A turn of the event loop (a setImmediate): what waits (I/O, a request) runs before the caller goes on. */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
