// Every Terraform configuration in one file, applied concurrently: each has its own emulator and working
// directory and spends most of its time waiting on the aws provider's 30 s polls, so side by side the
// whole costs about as much as the longest one.
import { beforeAll, describe, it } from 'vitest';
import { haveTerraform } from '../support/terraform.ts';
import { basic } from './terraform/basic.ts';
import { cluster } from './terraform/cluster.ts';
import { full } from './terraform/full.ts';
import { modules } from './terraform/modules.ts';
import { rbac } from './terraform/rbac.ts';
import { restore } from './terraform/restore.ts';
import { launch, type Scenario } from './terraform/scenario.ts';

const all: Record<string, Scenario> = { basic, cluster, full, modules, rbac, restore };
// ECL_TF_SCENARIOS=modules,rbac runs only those configurations (while working on one); unset, all of them.
const only = process.env.ECL_TF_SCENARIOS?.split(',').filter(Boolean);
const scenarios = only ? Object.fromEntries(Object.entries(all).filter(([name]) => only.includes(name))) : all;
const running = new Map<string, Promise<void>>();

describe.skipIf(!haveTerraform)('Terraform hashicorp/aws', () => {
  beforeAll(() => {
    for (const [name, scenario] of Object.entries(scenarios)) running.set(name, launch(scenario, `ecl-tf-${name}-`));
  });

  for (const [name, scenario] of Object.entries(scenarios)) {
    it(scenario.title, () => running.get(name), 1_800_000);
  }
});
