import test from 'ava';
import { parseIfconfig } from '../../src/scenario/lib/parse-ifconfig.ts';

/** net-tools ifconfig from the document (3.3, a host-mode container on host B; trimmed to three interfaces). */
const NET_TOOLS = `docker0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 10.0.0.1  netmask 255.255.255.0  broadcast 10.0.0.255
        inet6 fe80::20a0:95ff:fe7d:dcc0  prefixlen 64  scopeid 0x20<link>
        ether 22:a0:95:7d:dc:c0  txqueuelen 0  (Ethernet)
        RX packets 10439  bytes 430214 (420.1 KiB)

ens33: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 192.168.100.13  netmask 255.255.255.0  broadcast 192.168.100.255
        ether 00:0c:29:e6:1d:ab  txqueuelen 1000  (Ethernet)

lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
        loop  txqueuelen 1000  (Local Loopback)

veth1df07c5: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet6 fe80::c6c:17ff:fe6c:7827  prefixlen 64  scopeid 0x20<link>
`;

/** BusyBox ifconfig inside a container, as the lab printed it. */
const BUSYBOX = `eth0      Link encap:Ethernet  HWaddr 02:42:AC:0A:00:02  
          inet addr:172.10.0.2  Bcast:172.10.0.255  Mask:255.255.255.0
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
          RX packets:5 errors:0 dropped:0 overruns:0 frame:0

eth1      Link encap:Ethernet  HWaddr 02:42:AC:14:00:03  
          inet addr:172.20.0.3  Bcast:172.20.0.255  Mask:255.255.255.0
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1

lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          UP LOOPBACK RUNNING  MTU:65536  Metric:1
`;

const brief = (text: string) => parseIfconfig(text).map((i) => [i.name, i.cidr ?? null, i.mtu ?? null, i.flags.join(',')]);

test('net-tools dialect: name, address/prefix, MTU and flags; an interface without IPv4', (t) => {
  t.deepEqual(brief(NET_TOOLS), [
    ['docker0', '10.0.0.1/24', 1500, 'UP,BROADCAST,RUNNING,MULTICAST'],
    ['ens33', '192.168.100.13/24', 1500, 'UP,BROADCAST,RUNNING,MULTICAST'],
    ['lo', '127.0.0.1/8', 65536, 'UP,LOOPBACK,RUNNING'],
    ['veth1df07c5', null, 1500, 'UP,BROADCAST,RUNNING,MULTICAST'],
  ]);
  t.is(parseIfconfig(NET_TOOLS)[0]!.netmask, '255.255.255.0');
  t.is(parseIfconfig(NET_TOOLS)[0]!.inet, '10.0.0.1');
});

test('BusyBox dialect: same shape', (t) => {
  t.deepEqual(brief(BUSYBOX), [
    ['eth0', '172.10.0.2/24', 1500, 'UP,BROADCAST,RUNNING,MULTICAST'],
    ['eth1', '172.20.0.3/24', 1500, 'UP,BROADCAST,RUNNING,MULTICAST'],
    ['lo', '127.0.0.1/8', 65536, 'UP,LOOPBACK,RUNNING'],
  ]);
});

test('a none-mode container: only lo; empty output: nothing', (t) => {
  t.deepEqual(brief(BUSYBOX.slice(BUSYBOX.indexOf('lo '))), [['lo', '127.0.0.1/8', 65536, 'UP,LOOPBACK,RUNNING']]);
  t.deepEqual(parseIfconfig(''), []);
});
