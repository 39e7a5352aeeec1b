/**
 * Per-backend constants flannel derives from the config and the external interface: the MTU
 * written to subnet.env and the name of the backend's device. Pure.
 */
import type { BackendConfig } from './config.ts';

/** udp: 20 bytes outer IPv4 header + 8 bytes UDP header (`encapOverhead` in pkg/backend/udp). */
export const UDP_ENCAP_OVERHEAD = 28;
/** vxlan: outer IPv4 + UDP + VXLAN + inner Ethernet headers (`encapOverhead` in pkg/backend/vxlan). */
export const VXLAN_ENCAP_OVERHEAD = 50;

/** FLANNEL_MTU: udp iface−28, vxlan (Backend.MTU or iface)−50, host-gw the iface MTU. */
export function backendMtu(backend: BackendConfig, ifaceMtu: number): number {
  switch (backend.type) {
    case 'udp':
      return ifaceMtu - UDP_ENCAP_OVERHEAD;
    case 'vxlan':
      return (backend.mtu > 0 ? backend.mtu : ifaceMtu) - VXLAN_ENCAP_OVERHEAD;
    case 'host-gw':
      return ifaceMtu;
  }
}

/** The backend's own device: `flannel.<VNI>` for vxlan, the TUN `flannel0` for udp, none for host-gw. */
export function backendDeviceName(backend: BackendConfig): string | undefined {
  switch (backend.type) {
    case 'udp':
      return 'flannel0';
    case 'vxlan':
      return `flannel.${backend.vni}`;
    case 'host-gw':
      return undefined;
  }
}
