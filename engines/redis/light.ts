// Public entry point for what a control plane uses without a running node: key slots, network faults, the
// replica's end of the replication protocol. It loads none of the engine's commands (index.ts loads them
// all), so a process that serves no Redis node yet need not load the engine.
export { CLUSTER_SLOTS, keySlot } from './cluster.ts';
export { NetworkFaults } from '../network-faults.ts';
/** A replica's link to a Redis primary, for online migration from a self-hosted Redis. */
export { encodeCommand, ReplicationClient } from './replication-client.ts';
