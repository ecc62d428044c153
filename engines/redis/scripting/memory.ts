// INFO memory's scripting fields, as Redis 7.0 lists them. Our Lua states live in V8's heap and
// cannot be weighed one by one, so sizes are estimates with Redis's shape: an empty VM, plus what
// each cached script or library adds; they grow with what is loaded and drop on a flush.
import type { Scripting } from './scripting.ts';

/** Redis's Lua state right after start, as `used_memory_vm_eval` shows it. */
const EMPTY_VM = 32768;
/** A compiled chunk's share of the VM beyond its source text. */
const PER_CHUNK = 256;
/** The dict entry and sds header around a cached script's body. */
const PER_SCRIPT_ENTRY = 128;
const PER_FUNCTION_ENTRY = 200;

export function scriptingMemoryFields(s: Scripting, human: (n: number) => string): [string, number | string][] {
  let evalVm = EMPTY_VM;
  let evalScripts = 0;
  for (const { size } of s.scripts.values()) {
    evalVm += size + PER_CHUNK;
    evalScripts += size + PER_SCRIPT_ENTRY;
  }
  const fns = s.functions;
  let fnVm = EMPTY_VM;
  let fnMemory = 0;
  for (const lib of fns.libraries.values()) {
    fnVm += lib.code.length + PER_CHUNK * (1 + lib.functions.size);
    fnMemory += lib.code.length + PER_SCRIPT_ENTRY + PER_FUNCTION_ENTRY * lib.functions.size;
  }
  return [
    ['used_memory_lua', evalVm],
    ['used_memory_vm_eval', evalVm],
    ['used_memory_lua_human', human(evalVm)],
    ['used_memory_scripts_eval', evalScripts],
    ['number_of_cached_scripts', s.scripts.size],
    ['number_of_functions', fns.count],
    ['number_of_libraries', fns.libraries.size],
    ['used_memory_vm_functions', fnVm],
    ['used_memory_vm_total', evalVm + fnVm],
    ['used_memory_vm_total_human', human(evalVm + fnVm)],
    ['used_memory_functions', fnMemory],
    ['used_memory_scripts', evalScripts + fnMemory],
    ['used_memory_scripts_human', human(evalScripts + fnMemory)],
  ];
}
