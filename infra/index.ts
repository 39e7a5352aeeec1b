/**
 * labbench's libvirt lab (Pulumi program; Pulumi.yaml at the repository root points here).
 * Reads the stack config, checks that the lab can be built here (infra/preflight.ts), declares the LAN, the storage pool and one VM per host, and exports
 * the outputs labbench turns into an Inventory (infra/outputs.ts; read in src/providers/libvirt/stack-outputs.ts).
 */
import { homedir } from 'node:os';
import * as pulumi from '@pulumi/pulumi';
import { LabbenchError } from '../src/errors.ts';
import { readLabConfig } from './config.ts';
import { declareLab, type HostKeys } from './lab.ts';
import { preflightLab } from './preflight.ts';

async function readConfigOrExplain() {
  try {
    const config = readLabConfig(new pulumi.Config(), pulumi.getStack(), homedir());
    if (config.preflight) await preflightLab(config);
    return config;
  } catch (err) {
    // The engine prints a RunError's message without a stack trace; keep the hint in it.
    if (err instanceof LabbenchError) throw new pulumi.RunError(err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message);
    throw err;
  }
}

const config = await readConfigOrExplain();
const declared = declareLab(config, new pulumi.Config().getSecretObject<HostKeys>('hostKeys'));

// One export per LabStackOutputs key.
export const { lab, subnet, hypervisorUri, domainType, sshKeyPath, knownHostsPath, hosts } = declared.outputs;
