/** Starting a host's systemd unit the document's way, `systemctl start U && systemctl enable U`, within a bound that fits the unit. */
import type { Host } from '../../host.ts';
import { parseSystemdTimespan } from '../../parsers/systemd-timespan.ts';

/** Margin over a unit's own start timeout for the document's `systemctl start U && systemctl enable U`. */
const START_AND_ENABLE_MARGIN_MS = 30_000;
/** The bound when a unit's start timeout is infinite or unreadable. */
const START_BOUND_FALLBACK_MS = 300_000;

/**
 * The time bound of the document's `systemctl start U && systemctl enable U`: the unit's own
 * start timeout (systemd fails a start that takes longer) plus a margin. A fixed bound below it
 * (it was 40 s) cut the command on a slow machine (VMs under TCG) after a start that was still
 * going and before the enable: the unit came up, but was never enabled.
 */
export async function startAndEnableBound(host: Host, unit: string): Promise<number> {
  const shown = await host.$({ nothrow: true, quiet: true })`systemctl show -p TimeoutStartUSec --value ${unit}`;
  const timeout = shown.ok ? parseSystemdTimespan(shown.text()) : undefined;
  return timeout === undefined || !Number.isFinite(timeout) ? START_BOUND_FALLBACK_MS : timeout + START_AND_ENABLE_MARGIN_MS;
}
