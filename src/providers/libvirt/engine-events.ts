/**
 * Turning the Pulumi engine's event stream into short progress notes, one per resource the
 * engine finished (created, updated, replaced, deleted), so a long `lab up` shows it is moving.
 */
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';

/** "create libvirt:Domain labbench-hostA" for a finished resource step; undefined for anything else. */
export function describeEngineEvent(event: EngineEvent): string | undefined {
  const step = event.resOutputsEvent?.metadata;
  if (!step || step.op === 'same' || step.type === 'pulumi:pulumi:Stack') return undefined;
  const name = step.urn.split('::').pop() ?? step.urn;
  return `${step.op} ${step.type.replace(/^pulumi-nodejs:dynamic\//, '')} ${name}`;
}
