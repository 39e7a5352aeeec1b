/**
 * Where labbench's flannel agent lives on a lab host. The udp relay sits at a fixed place
 * relative to the agent binary, so a copy of the whole tree under another root also works.
 */

/** The agent, installed under flanneld's name. */
export const AGENT_BINARY_PATH = '/usr/local/bin/flanneld';
/** The python3 TUN relay of the udp backend. */
export const UDP_RELAY_PATH = '/usr/local/libexec/flannel/udp-relay.py';
/** The systemd unit. */
export const UNIT_PATH = '/etc/systemd/system/flanneld.service';
/** UDP_RELAY_PATH relative to the directory of AGENT_BINARY_PATH. */
export const UDP_RELAY_FROM_BINARY_DIR = '../libexec/flannel/udp-relay.py';
