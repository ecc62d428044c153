import { ACTIONS } from '../src/actions/index.ts';
import { OPERATIONS } from '../src/protocol/operations.ts';

// Generated from the SDK's operation list and our action table, never kept by hand.
const names = [...OPERATIONS.keys()].sort();
let implemented = 0;
for (const name of names) {
  const done = name in ACTIONS;
  if (done) implemented++;
  console.log(`${done ? 'implemented    ' : 'not implemented'}  ${name}`);
}
console.log(`\n${implemented}/${names.length} ElastiCache actions implemented (API 2015-02-02)`);
