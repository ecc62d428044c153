// The list of command families; adding a family is one import and one entry here.
import type { CommandDef } from '../command-table.ts';
import { aclCommands } from './acl.ts';
import { bitmapCommands } from './bitmaps.ts';
import { clusterCommands } from './cluster.ts';
import { connectionCommands } from './connection.ts';
import { failoverCommands } from './failover.ts';
import { geoCommands } from './geo.ts';
import { hashCommands } from './hashes.ts';
import { hyperloglogCommands } from './hyperloglog.ts';
import { keyCommands } from './keys.ts';
import { listCommands } from './lists.ts';
import { moduleCommands } from './module.ts';
import { pubsubCommands } from './pubsub.ts';
import { functionCommands, scriptingCommands } from './scripting.ts';
import { serverCommands } from './server.ts';
import { setCommands } from './sets.ts';
import { sortCommands } from './sort.ts';
import { streamCommands } from './streams.ts';
import { stringCommands } from './strings.ts';
import { transactionCommands } from './transactions.ts';
import { zsetCommands } from './zsets.ts';

export function allGroups(): CommandDef[][] {
  return [stringCommands, keyCommands, hashCommands, listCommands, setCommands, zsetCommands, transactionCommands, pubsubCommands, bitmapCommands, hyperloglogCommands, sortCommands, streamCommands, geoCommands, connectionCommands, serverCommands, aclCommands, clusterCommands, failoverCommands, moduleCommands, scriptingCommands, functionCommands];
}
