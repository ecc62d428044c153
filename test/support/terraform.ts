import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasTool } from './emulator.ts';
import { run } from './exec.ts';

/** The image ships hashicorp/aws as a filesystem mirror; no provider can be downloaded here. */
function providerMirror(): string | undefined {
  const candidates = [process.env.TF_PROVIDER_MIRROR, '/opt/tf-plugins', path.join(os.homedir(), '.terraform.d', 'plugins')];
  return candidates.find((dir) => dir && fs.existsSync(path.join(dir, 'registry.terraform.io', 'hashicorp', 'aws')));
}

const mirror = providerMirror();

function mirrorOrFailInCi(): boolean {
  if (mirror) return true;
  if (process.env.CI === 'true') throw new Error('the hashicorp/aws provider mirror is required in CI');
  return false;
}

export const haveTerraform = hasTool('terraform', ['version']) && mirrorOrFailInCi();

export function providerBlock(url: string): string {
  return `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true
  endpoints {
    elasticache = "${url}"
  }
}
`;
}

/** A second aws provider for the same emulator under `alias`, in another region (a global datastore's secondary). */
export function regionProvider(url: string, alias: string, region: string): string {
  return `
provider "aws" {
  alias                       = "${alias}"
  region                      = "${region}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true
  endpoints {
    elasticache = "${url}"
  }
}
`;
}

/** A working directory whose CLI configuration installs the provider from the local mirror only. */
export function workspace(prefix: string, mainTf: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(dir, 'terraform.rc'), `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`);
  fs.writeFileSync(path.join(dir, 'main.tf'), mainTf);
  return dir;
}

/**
 * Runs terraform in `cwd`. `nice` lowers its CPU priority: every command starts several provider processes
 * of some CPU-seconds each, and configurations whose waits are short leave the CPU to the longest chain.
 */
export function terraform(cwd: string, args: string[], options: { nice?: boolean } = {}) {
  const [command, commandArgs] = options.nice ? ['nice', ['-n', '10', 'terraform', ...args]] : ['terraform', args];
  return run(command as string, commandArgs as string[], {
    cwd,
    // Generous: the provider needs several CPU-seconds per start, and configurations apply side by side.
    timeoutMs: 900_000,
    env: {
      ...process.env,
      TF_CLI_CONFIG_FILE: path.join(cwd, 'terraform.rc'),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      // The aws provider builds its whole schema at every start (3 starts a plan), and Go's collector at its
      // default (100) is a fifth of that: `terraform validate` of one resource took 7.05 CPU-s, 5.21 at 400
      // (alternating runs, 3-4 each), for a peak of ~0.5 GB instead of ~0.33 per provider process.
      GOGC: process.env.GOGC ?? '400',
    },
  });
}

export const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
