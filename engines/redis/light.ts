// Public entry point for what a control plane uses without a running node: key slots, the request parser,
// network faults. It loads none of the engine's commands (index.ts loads them all), so a process that
// serves no Redis node yet need not load the engine.
export { CLUSTER_SLOTS, keySlot } from './cluster.ts';
export { NetworkFaults } from '../network-faults.ts';
/** The request parser, for control-plane clients that read a replication stream (online migration). */
export { ProtocolError, RespParser } from './resp/parser.ts';
