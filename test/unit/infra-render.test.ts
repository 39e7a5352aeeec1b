/**
 * Pure renderers of the libvirt lab: network and domain XML, the cloud-init NoCloud documents
 * (parsed back with js-yaml, and checked for YAML 1.1 quoting), and checksum-file parsing.
 */
import { createRequire } from 'node:module';
import test from 'ava';
import { findSha256, isSha256 } from '../../infra/render/checksums.ts';
import { type CloudInitSpec, renderMetaData, renderNetworkConfig, renderUserData } from '../../infra/render/cloud-init.ts';
import { type DomainSpec, renderDomainXml } from '../../infra/render/domain-xml.ts';
import { lanLayout, renderDhcpHostXml, renderNetworkXml } from '../../infra/render/network-xml.ts';
import { escapeXml } from '../../infra/render/xml.ts';

// js-yaml ships with @pulumi/pulumi; the tests use it to read the documents back as cloud-init would.
const requireFromPulumi = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi'));
const yaml = requireFromPulumi('js-yaml') as { load(text: string): unknown };

test('the document LAN renders as a NAT network with fixed DHCP leases for .12 and .13', (t) => {
  const xml = renderNetworkXml({
    name: 'labbench-lan',
    mode: 'nat',
    addresses: ['192.168.100.0/24'],
    dhcpHosts: [
      { mac: '52:54:00:A8:64:0C', name: 'hostA', ip: '192.168.100.12' },
      { mac: '52:54:00:a8:64:0d', name: 'hostB', ip: '192.168.100.13' },
    ],
  });
  t.is(
    xml,
    [
      '<network>',
      '  <name>labbench-lan</name>',
      "  <forward mode='nat'/>",
      "  <bridge stp='on' delay='0'/>",
      "  <ip address='192.168.100.1' netmask='255.255.255.0'>",
      '    <dhcp>',
      "      <range start='192.168.100.128' end='192.168.100.254'/>",
      "      <host mac='52:54:00:a8:64:0c' name='hostA' ip='192.168.100.12'/>",
      "      <host mac='52:54:00:a8:64:0d' name='hostB' ip='192.168.100.13'/>",
      '    </dhcp>',
      '  </ip>',
      '</network>',
      '',
    ].join('\n'),
  );
});

test('an isolated network has no forward element and keeps a requested bridge name', (t) => {
  const xml = renderNetworkXml({ name: 'iso', mode: 'none', addresses: ['10.213.77.0/24'], bridge: 'lbt0', dhcpHosts: [] });
  t.false(xml.includes('<forward'));
  t.true(xml.includes("<bridge name='lbt0' stp='on' delay='0'/>"));
  t.true(xml.includes("<ip address='10.213.77.1' netmask='255.255.255.0'>"));
});

const layouts: [string, ReturnType<typeof lanLayout>][] = [
  ['192.168.100.0/24', { gateway: '192.168.100.1', netmask: '255.255.255.0', prefix: 24, rangeStart: '192.168.100.128', rangeEnd: '192.168.100.254' }],
  ['10.0.0.0/16', { gateway: '10.0.0.1', netmask: '255.255.0.0', prefix: 16, rangeStart: '10.0.128.0', rangeEnd: '10.0.255.254' }],
  ['172.30.5.0/28', { gateway: '172.30.5.1', netmask: '255.255.255.240', prefix: 28, rangeStart: '172.30.5.8', rangeEnd: '172.30.5.14' }],
];
for (const [cidr, expected] of layouts) {
  test(`LAN layout of ${cidr}`, (t) => t.deepEqual(lanLayout(cidr), expected));
}

test('LAN layout rejects host bits and tiny subnets', (t) => {
  t.throws(() => lanLayout('192.168.100.12/24'), { message: /not an IPv4 CIDR/ });
  t.throws(() => lanLayout('10.0.0.0/30'), { message: /not an IPv4 CIDR/ });
});

test('a DHCP host element escapes hostile names', (t) => {
  t.is(
    renderDhcpHostXml({ mac: '52:54:00:00:00:01', name: "a'<b>&", ip: '10.0.0.2' }),
    "<host mac='52:54:00:00:00:01' name='a&apos;&lt;b&gt;&amp;' ip='10.0.0.2'/>",
  );
  t.is(escapeXml(`<"'&>`), '&lt;&quot;&apos;&amp;&gt;');
});

const domain: DomainSpec = {
  name: 'labbench-hosta',
  type: 'kvm',
  vcpu: 2,
  memory: 2048,
  arch: 'x86_64',
  machine: 'q35',
  disks: [{ volumeId: '/var/lib/libvirt/images/labbench/labbench-hosta.qcow2' }],
  cloudinit: '/var/lib/libvirt/images/labbench/labbench-hosta-seed.iso',
  networkInterfaces: [{ networkName: 'labbench-lan', mac: '52:54:00:A8:64:0C' }],
};

test('a KVM domain: size, q35, host CPU, boot disk, seed CD-ROM, NIC with fixed MAC, serial console', (t) => {
  const xml = renderDomainXml(domain);
  const expectedLines = [
    "<domain type='kvm'>",
    '  <name>labbench-hosta</name>',
    "  <memory unit='MiB'>2048</memory>",
    '  <vcpu>2</vcpu>',
    "    <type arch='x86_64' machine='q35'>hvm</type>",
    "  <cpu mode='host-passthrough'/>",
    "      <source file='/var/lib/libvirt/images/labbench/labbench-hosta.qcow2'/>",
    "      <target dev='vda' bus='virtio'/>",
    "      <boot order='1'/>",
    "    <disk type='file' device='cdrom'>",
    "      <source file='/var/lib/libvirt/images/labbench/labbench-hosta-seed.iso'/>",
    "      <target dev='sda' bus='sata'/>",
    '      <readonly/>',
    "      <mac address='52:54:00:a8:64:0c'/>",
    "      <source network='labbench-lan'/>",
    "      <model type='virtio'/>",
    "    <serial type='pty'>",
    "      <target type='serial' port='0'/>",
  ];
  for (const line of expectedLines) t.true(xml.split('\n').includes(line), `missing line: ${line}`);
  t.false(xml.includes('<uuid>'));
});

test('direct kernel boot: kernel, initrd and command line in <os>; the serial console logged to a file', (t) => {
  const xml = renderDomainXml({
    ...domain,
    kernel: '/pool/hosta-kernel',
    initrd: '/pool/hosta-initrd',
    cmdline: 'root=/dev/vda rw console=ttyS0',
    consoleLog: '/var/log/libvirt/qemu/hosta-console.log',
  });
  t.true(
    xml.includes(
      [
        '  <os>',
        "    <type arch='x86_64' machine='q35'>hvm</type>",
        '    <kernel>/pool/hosta-kernel</kernel>',
        '    <initrd>/pool/hosta-initrd</initrd>',
        '    <cmdline>root=/dev/vda rw console=ttyS0</cmdline>',
        '  </os>',
      ].join('\n'),
    ),
  );
  t.true(
    xml.includes(
      ["    <serial type='pty'>", "      <log file='/var/log/libvirt/qemu/hosta-console.log' append='off'/>", "      <target port='0'/>"].join('\n'),
    ),
  );
  t.false(renderDomainXml(domain).includes('<kernel>'), 'no kernel element for images with a boot loader');
});

test('an emulated (qemu) domain has no host-passthrough CPU; a uuid is kept when given', (t) => {
  const xml = renderDomainXml({ ...domain, type: 'qemu', uuid: '0558f277-204f-428f-83b7-f48b350150ec', cloudinit: undefined } as DomainSpec);
  t.true(xml.startsWith("<domain type='qemu'>"));
  t.false(xml.includes('host-passthrough'));
  t.true(xml.includes('<uuid>0558f277-204f-428f-83b7-f48b350150ec</uuid>'));
  t.false(xml.includes("device='cdrom'"));
});

const seed: CloudInitSpec = {
  instanceId: 'labbench-hosta',
  hostname: 'hostA',
  sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ labbench-labbench'],
  hostKey: {
    privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----',
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHK hostA.labbench\n',
  },
  mac: '52:54:00:A8:64:0C',
  addressCidr: '192.168.100.12/24',
  gateway: '192.168.100.1',
  routed: true,
};

test('user-data: #cloud-config with hostname, the login key, and only the pinned host key', (t) => {
  const text = renderUserData(seed);
  t.true(text.startsWith('#cloud-config\n'));
  t.deepEqual(yaml.load(text), {
    hostname: 'hostA',
    manage_etc_hosts: true,
    users: ['default'],
    ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ labbench-labbench'],
    ssh_pwauth: false,
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: {
      ed25519_private: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----\n',
      ed25519_public: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHK hostA.labbench',
    },
  });
});

test('user-data without a host key leaves host keys to the image', (t) => {
  const { hostKey: _dropped, ...noKey } = seed;
  const doc = yaml.load(renderUserData(noKey)) as Record<string, unknown>;
  t.false('ssh_keys' in doc);
  t.false('ssh_genkeytypes' in doc);
});

test('meta-data carries instance-id and local-hostname', (t) => {
  t.deepEqual(yaml.load(renderMetaData(seed)), { 'instance-id': 'labbench-hosta', 'local-hostname': 'hostA' });
});

test('network-config v2: static address on the NIC matched by its lower-case MAC, routed via the gateway', (t) => {
  t.deepEqual(yaml.load(renderNetworkConfig(seed)), {
    version: 2,
    ethernets: {
      lan0: {
        match: { macaddress: '52:54:00:a8:64:0c' },
        addresses: ['192.168.100.12/24'],
        routes: [{ to: '0.0.0.0/0', via: '192.168.100.1' }],
        nameservers: { addresses: ['192.168.100.1'] },
      },
    },
  });
  const isolated = yaml.load(renderNetworkConfig({ ...seed, routed: false })) as { ethernets: { lan0: Record<string, unknown> } };
  t.deepEqual(Object.keys(isolated.ethernets.lan0).sort(), ['addresses', 'match']);
});

test('the documents are YAML 1.1 (PyYAML, which cloud-init uses): values 1.1 would not read as strings are quoted', (t) => {
  // 52:54:00:00:12:34 is a base-60 integer in YAML 1.1; "yes" a boolean.
  const spec = { ...seed, mac: '52:54:00:00:12:34', hostname: 'yes' };
  t.regex(renderNetworkConfig(spec), /^ {6}macaddress: "52:54:00:00:12:34"$/m);
  t.regex(renderMetaData(spec), /^local-hostname: "yes"$/m);
  t.regex(renderUserData(spec), /^hostname: "yes"$/m);
  const key = `ssh-ed25519 ${'A'.repeat(200)} a-long-comment`;
  t.true(renderUserData({ ...spec, sshAuthorizedKeys: [key] }).includes(`  - ${key}\n`), 'a long key stays on one line');
});

test('checksum files: GNU and BSD lines, exact file-name match', (t) => {
  const digestA = 'e56066c58606191e96184de9a9183a3af33c59bcbd8740d8b10ca054a7a89c14';
  const digestB = 'A'.repeat(64);
  const gnu = `${'1'.repeat(64)} *ubuntu-24.04-server-cloudimg-amd64.img.manifest\n${digestB} *ubuntu-24.04-server-cloudimg-amd64.img\n`;
  const bsd = `# Rocky-8-GenericCloud\nSHA256 (Rocky-8-GenericCloud-Base-8.10-20240528.0.x86_64.qcow2) = ${digestA}\n`;
  t.is(findSha256(gnu, 'ubuntu-24.04-server-cloudimg-amd64.img'), 'a'.repeat(64));
  t.is(findSha256(bsd, 'Rocky-8-GenericCloud-Base-8.10-20240528.0.x86_64.qcow2'), digestA);
  t.is(findSha256(bsd, 'Rocky-8-GenericCloud-Base.latest.x86_64.qcow2'), undefined);
  t.true(isSha256(digestA));
  t.false(isSha256('abc'));
});
