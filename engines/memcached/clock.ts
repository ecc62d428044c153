/** Milliseconds since the Unix epoch; injected so expiry tests move time instead of sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
