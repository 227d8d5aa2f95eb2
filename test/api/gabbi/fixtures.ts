// Placement's gabbi files each name a Python fixture (`fixtures: [SharedStorageFixture]`) that,
// upstream, writes providers straight into the database and exports $ENVIRON variables.
// `gabbi-run` cannot load those fixtures, and a live server has no back door, so this module
// builds the same topologies through the public HTTP API and hands back the variables the YAML
// reads. The topologies are the ones upstream's placement/tests/functional/fixtures/gabbits.py
// describes; the order of the calls follows upstream's too, because the YAML asserts provider
// generations (every PUT of traits, aggregates or inventory on a provider bumps its generation).
import { randomUUID } from 'node:crypto';

export type FixtureEnv = Record<string, string>;

/** The microversion the fixture is built at: new enough for nested providers and mappings. */
const BUILD_VERSION = '1.39';
/**
 * Allocations are written at 1.28 (consumer generations, no consumer_type), so they come out as
 * consumer_type "unknown", like upstream's fixture rows that have no type at all.
 */
const ALLOCATION_VERSION = '1.28';

interface InventoryOptions {
  reserved?: number;
  min_unit?: number;
  max_unit?: number;
  step_size?: number;
  allocation_ratio?: number;
}

/** A thin Placement client that fails loudly: a fixture that cannot be built is a broken run. */
class FixtureClient {
  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown, version = BUILD_VERSION): Promise<unknown> {
    const headers: Record<string, string> = {
      'x-auth-token': 'admin',
      'openstack-api-version': `placement ${version}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`fixture: ${method} ${path} answered ${res.status}: ${text.slice(0, 400)}`);
    return text ? JSON.parse(text) : null;
  }

  private async generation(rp: string): Promise<number> {
    const r = (await this.call('GET', `/resource_providers/${rp}`)) as { generation: number };
    return r.generation;
  }

  /** Creates a provider, then (as upstream's helper does) puts it in its aggregates at once. */
  async provider(name: string, o: { parent?: string; aggregates?: string[]; uuid?: string } = {}): Promise<string> {
    const uuid = o.uuid ?? randomUUID();
    const body: Record<string, string> = { name, uuid };
    if (o.parent) body.parent_provider_uuid = o.parent;
    await this.call('POST', '/resource_providers', body);
    if (o.aggregates?.length) await this.aggregates(uuid, o.aggregates);
    return uuid;
  }

  async aggregates(rp: string, aggregates: string[]): Promise<void> {
    const generation = await this.generation(rp);
    await this.call('PUT', `/resource_providers/${rp}/aggregates`, {
      aggregates,
      resource_provider_generation: generation,
    });
  }

  async resourceClass(rc: string): Promise<void> {
    if (rc.startsWith('CUSTOM_')) await this.call('PUT', `/resource_classes/${rc}`);
  }

  /** One inventory record; the defaults are upstream's: no reservation, units of 1 up to the total. */
  async inventory(rp: string, rc: string, total: number, o: InventoryOptions = {}): Promise<void> {
    await this.resourceClass(rc);
    await this.call('POST', `/resource_providers/${rp}/inventories`, {
      resource_class: rc,
      total,
      reserved: o.reserved ?? 0,
      min_unit: o.min_unit ?? 1,
      max_unit: o.max_unit ?? total,
      step_size: o.step_size ?? 1,
      allocation_ratio: o.allocation_ratio ?? 1.0,
    });
  }

  async traits(rp: string, ...traits: string[]): Promise<void> {
    for (const t of traits) if (t.startsWith('CUSTOM_')) await this.call('PUT', `/traits/${t}`);
    const generation = await this.generation(rp);
    await this.call('PUT', `/resource_providers/${rp}/traits`, { traits, resource_provider_generation: generation });
  }

  async allocate(rp: string, consumer: string, resources: Record<string, number>, project: string, user: string) {
    const current = (await this.call('GET', `/allocations/${consumer}`, undefined, ALLOCATION_VERSION)) as {
      consumer_generation?: number | null;
    };
    await this.call(
      'PUT',
      `/allocations/${consumer}`,
      {
        allocations: { [rp]: { resources } },
        project_id: project,
        user_id: user,
        consumer_generation: current.consumer_generation ?? null,
      },
      ALLOCATION_VERSION,
    );
  }
}

/** What every fixture exports (upstream's APIFixture): fresh uuids and three custom class names. */
function baseEnv(): FixtureEnv {
  const env: FixtureEnv = {};
  for (const k of [
    'RP_UUID',
    'RP_NAME',
    'RP_UUID1',
    'RP_NAME1',
    'RP_UUID2',
    'RP_NAME2',
    'PROJECT_ID',
    'ADMIN_PROJECT_ID',
    'SERVICE_PROJECT_ID',
    'USER_ID',
    'PROJECT_ID_ALT',
    'USER_ID_ALT',
    'INSTANCE_UUID',
    'MIGRATION_UUID',
    'CONSUMER_UUID',
    'PARENT_PROVIDER_UUID',
    'ALT_PARENT_PROVIDER_UUID',
  ]) {
    env[k] = randomUUID();
  }
  env.CUSTOM_RES_CLASS = 'CUSTOM_IRON_NFV';
  env.CUSTOM_RES_CLASS1 = 'CUSTOM_IRON_NFV1';
  env.CUSTOM_RES_CLASS2 = 'CUSTOM_IRON_NFV2';
  return env;
}

type Builder = (c: FixtureClient, env: FixtureEnv) => Promise<void>;

/** One provider with disk and VCPU, and three consumers on it (one of another user). */
const allocationFixture: Builder = async (c, env) => {
  env.ALT_USER_ID = randomUUID();
  const rp = await c.provider(env.RP_NAME!, { uuid: env.RP_UUID! });
  await c.inventory(rp, 'DISK_GB', 2048, { step_size: 10, min_unit: 10, max_unit: 1000 });
  await c.inventory(rp, 'VCPU', 10, { max_unit: 10 });
  env.CONSUMER_0 = randomUUID();
  await c.allocate(rp, env.CONSUMER_0, { DISK_GB: 1000 }, env.PROJECT_ID!, env.USER_ID!);
  env.CONSUMER_ID = randomUUID();
  await c.allocate(rp, env.CONSUMER_ID, { VCPU: 6 }, env.PROJECT_ID!, env.USER_ID!);
  env.ALT_CONSUMER_ID = randomUUID();
  await c.allocate(rp, env.ALT_CONSUMER_ID, { DISK_GB: 20, VCPU: 1 }, env.PROJECT_ID!, env.ALT_USER_ID);
  env.ALT_RP_UUID = randomUUID();
  env.ALT_RP_NAME = randomUUID();
};

/** Two computes with NUMA children and PF grandchildren, two shared disks, one aggregate. */
const sharedStorageFixture: Builder = async (c, env) => {
  const agg = randomUUID();
  env.AGG_UUID = agg;
  for (const [key, name] of [
    ['CN1', 'cn1'],
    ['CN2', 'cn2'],
    ['SS', 'ss'],
    ['SS2', 'ss2'],
  ] as const) {
    env[`${key}_UUID`] = await c.provider(name, { aggregates: [agg] });
  }
  const numa: Record<string, string> = {};
  for (const id of ['1_1', '1_2', '2_1', '2_2']) {
    numa[id] = env[`NUMA${id}_UUID`] = await c.provider(`numa${id}`, { parent: env[`CN${id[0]}_UUID`]! });
  }
  for (const id of ['1_1', '1_2', '2_1', '2_2']) {
    env[`PF${id}_UUID`] = await c.provider(`pf${id}`, { parent: numa[id]! });
  }
  for (const cn of [env.CN1_UUID!, env.CN2_UUID!]) {
    await c.inventory(cn, 'VCPU', 24, { allocation_ratio: 16.0 });
    await c.inventory(cn, 'MEMORY_MB', 128 * 1024, { allocation_ratio: 1.5 });
  }
  await c.traits(env.CN1_UUID!, 'HW_CPU_X86_SSE', 'HW_CPU_X86_SSE2');
  await c.inventory(env.CN2_UUID!, 'DISK_GB', 2000, { reserved: 100 });
  for (const ss of [env.SS_UUID!, env.SS2_UUID!]) {
    await c.inventory(ss, 'DISK_GB', 2000, { reserved: 100 });
    await c.traits(ss, 'MISC_SHARES_VIA_AGGREGATE');
  }
  for (const id of ['1_1', '1_2', '2_1', '2_2']) await c.inventory(env[`PF${id}_UUID`]!, 'SRIOV_NET_VF', 8);
};

/** Empty roots whose NUMA children hold the VCPUs; sharing disks in aggregates A and C (bug 1792503). */
const numaAggregateFixture: Builder = async (c, env) => {
  const [a, b, cc] = [randomUUID(), randomUUID(), randomUUID()];
  Object.assign(env, { AGGA_UUID: a, AGGB_UUID: b, AGGC_UUID: cc });
  env.CN1_UUID = await c.provider('cn1', { aggregates: [a] });
  env.CN2_UUID = await c.provider('cn2', { aggregates: [a, b] });
  env.SS1_UUID = await c.provider('ss1', { aggregates: [a] });
  env.SS2_UUID = await c.provider('ss2', { aggregates: [cc] });
  env.NUMA1_1_UUID = await c.provider('numa1_1', { parent: env.CN1_UUID, aggregates: [cc] });
  env.NUMA1_2_UUID = await c.provider('numa1_2', { parent: env.CN1_UUID });
  env.NUMA2_1_UUID = await c.provider('numa2_1', { parent: env.CN2_UUID });
  env.NUMA2_2_UUID = await c.provider('numa2_2', { parent: env.CN2_UUID });
  for (const k of ['NUMA1_1_UUID', 'NUMA1_2_UUID', 'NUMA2_1_UUID', 'NUMA2_2_UUID']) {
    await c.inventory(env[k]!, 'VCPU', 24, { allocation_ratio: 16.0 });
  }
  for (const k of ['SS1_UUID', 'SS2_UUID']) {
    await c.inventory(env[k]!, 'DISK_GB', 2000, { reserved: 100 });
    await c.traits(env[k]!, 'MISC_SHARES_VIA_AGGREGATE');
  }
};

/**
 * Two computes: cn1 with NUMA nodes holding devices and network agents, cn2 with three NICs and
 * their PFs; a sharing disk in one aggregate with both. DeepNUMANetworkFixture passes in cn1/cn2
 * made two levels below a common root.
 */
async function numaNetwork(c: FixtureClient, env: FixtureEnv, given?: { cn1: string; cn2: string }): Promise<void> {
  // Before mid-2025 upstream's YAML named the FPGA class CUSTOM_FPGA; the files here use FPGA.
  const fpga = process.env.FIXTURE_FPGA_RC ?? 'FPGA';
  const user = 'numafx-user';
  const project = 'numafx-project';
  env.AGGA_UUID = randomUUID();
  env.SS1_UUID = await c.provider('ss1', { aggregates: [env.AGGA_UUID] });
  await c.traits(env.SS1_UUID, 'MISC_SHARES_VIA_AGGREGATE');
  await c.inventory(env.SS1_UUID, 'DISK_GB', 2000);

  const cn1 = given?.cn1 ?? (await c.provider('cn1', { aggregates: [env.AGGA_UUID] }));
  env.CN1_UUID = cn1;
  await c.aggregates(cn1, [env.AGGA_UUID]);
  await c.traits(cn1, 'COMPUTE_VOLUME_MULTI_ATTACH');
  for (const i of [0, 1]) {
    const numa = await c.provider(`numa${i}`, { parent: cn1 });
    env[`NUMA${i}_UUID`] = numa;
    await c.traits(numa, ...(i === 0 ? ['HW_NUMA_ROOT'] : ['HW_NUMA_ROOT', 'CUSTOM_FOO']));
    await c.inventory(numa, 'VCPU', 4);
  }
  const [numa0, numa1] = [env.NUMA0_UUID!, env.NUMA1_UUID!];
  await c.inventory(numa0, 'MEMORY_MB', 2048, { min_unit: 512, step_size: 256 });
  await c.inventory(numa1, 'MEMORY_MB', 2048, { min_unit: 256, max_unit: 1024 });
  await c.allocate(numa0, randomUUID(), { VCPU: 2 }, project, user);
  env.FPGA0_UUID = await c.provider('fpga0', { parent: numa0 });
  await c.inventory(env.FPGA0_UUID, fpga, 1);
  env.PGPU0_UUID = await c.provider('pgpu0', { parent: numa0 });
  await c.inventory(env.PGPU0_UUID, 'VGPU', 8);
  for (const i of [0, 1]) {
    const dev = await c.provider(`fpga1_${i}`, { parent: numa1 });
    env[`FPGA1_${i}_UUID`] = dev;
    await c.inventory(dev, fpga, 1);
  }
  env.SRIOV_AGENT_UUID = await c.provider('sriov_agent', { parent: cn1 });
  await c.traits(env.SRIOV_AGENT_UUID, 'CUSTOM_VNIC_TYPE_DIRECT');
  for (const i of [1, 2]) {
    const esn = await c.provider(`esn${i}`, { parent: env.SRIOV_AGENT_UUID });
    env[`ESN${i}_UUID`] = esn;
    await c.traits(esn, `CUSTOM_PHYSNET${i}`);
    await c.inventory(esn, 'NET_BW_EGR_KILOBIT_PER_SEC', 10000 * i);
  }
  env.OVS_AGENT_UUID = await c.provider('ovs_agent', { parent: cn1 });
  await c.traits(env.OVS_AGENT_UUID, 'CUSTOM_VNIC_TYPE_NORMAL');
  env.BR_INT_UUID = await c.provider('br_int', { parent: env.OVS_AGENT_UUID });
  await c.traits(env.BR_INT_UUID, 'CUSTOM_PHYSNET0');
  await c.inventory(env.BR_INT_UUID, 'NET_BW_EGR_KILOBIT_PER_SEC', 1000);

  const cn2 = given?.cn2 ?? (await c.provider('cn2'));
  env.CN2_UUID = cn2;
  await c.aggregates(cn2, [env.AGGA_UUID]);
  await c.inventory(cn2, 'VCPU', 8);
  await c.allocate(cn2, randomUUID(), { VCPU: 3 }, project, user);
  await c.inventory(cn2, 'MEMORY_MB', 2048, { min_unit: 1024, step_size: 128 });
  await c.inventory(cn2, 'DISK_GB', 1000);
  await c.traits(cn2, 'CUSTOM_FOO');
  const nics: string[] = [];
  for (const i of [1, 2, 3]) {
    const nic = await c.provider(`nic${i}`, { parent: cn2 });
    env[`NIC${i}_UUID`] = nic;
    await c.traits(nic, 'CUSTOM_HW_NIC_ROOT');
    nics.push(nic);
  }
  // (name suffix, NIC, physnet, VFs): nic1 has two PFs of 4, nic2 four of 2, nic3 one of 8.
  const pfs: [string, string, number, number][] = [
    ['1_1', nics[0]!, 1, 4],
    ['1_2', nics[0]!, 2, 4],
    ['2_1', nics[1]!, 1, 2],
    ['2_2', nics[1]!, 2, 2],
    ['2_3', nics[1]!, 1, 2],
    ['2_4', nics[1]!, 2, 2],
    ['3_1', nics[2]!, 1, 8],
  ];
  for (const [suffix, nic, physnet, vfs] of pfs) {
    const pf = await c.provider(`pf${suffix}`, { parent: nic });
    env[`PF${suffix}_UUID`] = pf;
    await c.traits(pf, `CUSTOM_PHYSNET${physnet}`);
    await c.inventory(pf, 'CUSTOM_VF', vfs);
  }
}

const deepNumaNetworkFixture: Builder = async (c, env) => {
  const gp = await c.provider('gp1');
  const p1 = await c.provider('p1', { parent: gp });
  const p2 = await c.provider('p2', { parent: gp });
  const cn1 = await c.provider('cn1', { parent: p1 });
  const cn2 = await c.provider('cn2', { parent: p2 });
  await numaNetwork(c, env, { cn1, cn2 });
};

/** Three plain computes with their own disks; aggregate uuids exported but unused by the data. */
const nonSharedStorageFixture: Builder = async (c, env) => {
  Object.assign(env, { AGGA_UUID: randomUUID(), AGGB_UUID: randomUUID(), AGGC_UUID: randomUUID() });
  const cns: string[] = [];
  for (const i of [1, 2, 3]) cns.push((env[`CN${i}_UUID`] = await c.provider(`cn${i}`)));
  for (const cn of cns) {
    await c.inventory(cn, 'VCPU', 24);
    await c.inventory(cn, 'MEMORY_MB', 128 * 1024);
    await c.inventory(cn, 'DISK_GB', 2000);
  }
};

/** Three flat computes across aggregates A, B, C, and three sharing providers (granular requests). */
const granularFixture: Builder = async (c, env) => {
  await c.resourceClass('CUSTOM_NET_MBPS');
  const [a, b, cc] = [randomUUID(), randomUUID(), randomUUID()];
  Object.assign(env, { AGGA: a, AGGB: b, AGGC: cc });
  const left = (env.CN_LEFT = await c.provider('cn_left', { aggregates: [a] }));
  for (const [rc, total] of [
    ['VCPU', 8],
    ['MEMORY_MB', 4096],
    ['DISK_GB', 500],
    ['VGPU', 8],
    ['SRIOV_NET_VF', 8],
    ['CUSTOM_NET_MBPS', 4000],
  ] as const)
    await c.inventory(left, rc, total);
  await c.traits(left, 'HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2', 'HW_GPU_API_DXVA', 'HW_NIC_DCB_PFC', 'CUSTOM_FOO');
  const middle = (env.CN_MIDDLE = await c.provider('cn_middle', { aggregates: [a, b] }));
  for (const [rc, total] of [
    ['VCPU', 8],
    ['MEMORY_MB', 4096],
    ['SRIOV_NET_VF', 8],
    ['CUSTOM_NET_MBPS', 4000],
  ] as const) {
    await c.inventory(middle, rc, total);
  }
  await c.traits(middle, 'HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE', 'HW_NIC_ACCEL_TLS');
  const right = (env.CN_RIGHT = await c.provider('cn_right', { aggregates: [b, cc] }));
  await c.inventory(right, 'VCPU', 8);
  await c.inventory(right, 'MEMORY_MB', 4096);
  await c.inventory(right, 'DISK_GB', 500);
  await c.inventory(right, 'VGPU', 8, { max_unit: 2 });
  await c.traits(right, 'HW_CPU_X86_MMX', 'HW_GPU_API_DXVA', 'CUSTOM_DISK_SSD');
  const disk1 = (env.SHR_DISK_1 = await c.provider('shr_disk_1', { aggregates: [a] }));
  await c.inventory(disk1, 'DISK_GB', 1000);
  await c.traits(disk1, 'MISC_SHARES_VIA_AGGREGATE', 'CUSTOM_DISK_SSD');
  const disk2 = (env.SHR_DISK_2 = await c.provider('shr_disk_2', { aggregates: [a, b] }));
  await c.inventory(disk2, 'DISK_GB', 1000);
  await c.traits(disk2, 'MISC_SHARES_VIA_AGGREGATE');
  const net = (env.SHR_NET = await c.provider('shr_net', { aggregates: [cc] }));
  await c.inventory(net, 'SRIOV_NET_VF', 16);
  await c.inventory(net, 'CUSTOM_NET_MBPS', 40000);
  await c.traits(net, 'MISC_SHARES_VIA_AGGREGATE');
};

/**
 * Four computes as Neutron reports them for multi-segment networks with QoS: each has an OVS
 * agent with bridge(s) and a NIC switch agent with PF(s), with bandwidth and physnet traits.
 * The variable names contain a colon (`compute1:pf0`), as upstream's do.
 */
const neutronQosMultiSegmentFixture: Builder = async (c, env) => {
  const direct = ['CUSTOM_VNIC_TYPE_DIRECT', 'CUSTOM_VNIC_TYPE_DIRECT_PHYSICAL', 'CUSTOM_VNIC_TYPE_MACVTAP'];
  type Port = { key: string; device: string; kbps: number; physnet: string };
  const computes: { name: string; bridges: Port[]; pfs: Port[] }[] = [
    {
      name: 'compute0',
      bridges: [{ key: 'br_ex', device: 'br-ex', kbps: 5000, physnet: 'CUSTOM_PHYSNET_OTHER' }],
      pfs: [{ key: 'pf0', device: 'enp129s0f0', kbps: 10000, physnet: 'CUSTOM_PHYSNET_OTHER' }],
    },
    {
      name: 'compute1',
      bridges: [{ key: 'br_ex', device: 'br-ex', kbps: 5000, physnet: 'CUSTOM_PHYSNET_MSN_S1' }],
      pfs: [{ key: 'pf0', device: 'enp129s0f0', kbps: 10000, physnet: 'CUSTOM_PHYSNET_MSN_S1' }],
    },
    {
      name: 'compute2',
      bridges: [{ key: 'br_ex', device: 'br-ex', kbps: 5000, physnet: 'CUSTOM_PHYSNET_MSN_S2' }],
      pfs: [{ key: 'pf0', device: 'enp129s0f0', kbps: 10000, physnet: 'CUSTOM_PHYSNET_MSN_S2' }],
    },
    {
      name: 'compute3',
      bridges: [
        { key: 'br_ex', device: 'br-ex', kbps: 1000, physnet: 'CUSTOM_PHYSNET_MSN_S1' },
        { key: 'br_ex2', device: 'br-ex2', kbps: 1000, physnet: 'CUSTOM_PHYSNET_MSN_S2' },
      ],
      pfs: [
        { key: 'pf0', device: 'enp129s0f0', kbps: 1000, physnet: 'CUSTOM_PHYSNET_MSN_S1' },
        { key: 'pf1', device: 'enp129s0f1', kbps: 1000, physnet: 'CUSTOM_PHYSNET_MSN_S2' },
      ],
    },
  ];
  const bandwidth = async (rp: string, kbps: number) => {
    await c.inventory(rp, 'NET_BW_EGR_KILOBIT_PER_SEC', kbps);
    await c.inventory(rp, 'NET_BW_IGR_KILOBIT_PER_SEC', kbps);
  };
  for (const cn of computes) {
    const root = (env[cn.name] = await c.provider(cn.name));
    await c.inventory(root, 'VCPU', 8);
    await c.inventory(root, 'MEMORY_MB', 4096);
    await c.inventory(root, 'DISK_GB', 500);
    const ovsName = `${cn.name}:Open vSwitch agent`;
    const ovs = (env[`${cn.name}:ovs_agent`] = await c.provider(ovsName, { parent: root }));
    await c.inventory(ovs, 'NET_PACKET_RATE_KILOPACKET_PER_SEC', 1000);
    await c.traits(ovs, 'CUSTOM_VNIC_TYPE_NORMAL');
    for (const br of cn.bridges) {
      const rp = (env[`${cn.name}:${br.key}`] = await c.provider(`${ovsName}:${br.device}`, { parent: ovs }));
      await bandwidth(rp, br.kbps);
      await c.traits(rp, 'CUSTOM_VNIC_TYPE_NORMAL', br.physnet);
    }
    const agentName = `${cn.name}:NIC Switch agent`;
    const agent = (env[`${cn.name}:sriov_agent`] = await c.provider(agentName, { parent: root }));
    await c.traits(agent, ...direct);
    for (const pf of cn.pfs) {
      const rp = (env[`${cn.name}:${pf.key}`] = await c.provider(`${agentName}:${pf.device}`, { parent: agent }));
      await bandwidth(rp, pf.kbps);
      await c.traits(rp, ...direct, pf.physnet);
    }
  }
  // Upstream's fixture exports compute2's agent under compute3's name too; the YAML relies on it.
  env['compute3:sriov_agent'] = env['compute2:sriov_agent']!;
};

/** Fixture name -> builder; null: an empty database (only the server's configuration differs). */
const BUILDERS: Record<string, Builder | null> = {
  APIFixture: null,
  CORSFixture: null,
  LegacyRBACPolicyFixture: null,
  SecureRBACPolicyFixture: null,
  OpenPolicyFixture: null,
  AllocationFixture: allocationFixture,
  SharedStorageFixture: sharedStorageFixture,
  NUMAAggregateFixture: numaAggregateFixture,
  NUMANetworkFixture: (c, env) => numaNetwork(c, env),
  DeepNUMANetworkFixture: deepNumaNetworkFixture,
  NonSharedStorageFixture: nonSharedStorageFixture,
  GranularFixture: granularFixture,
  NeutronQoSMultiSegmentFixture: neutronQosMultiSegmentFixture,
};

export function knownFixture(name: string): boolean {
  return name in BUILDERS;
}

/** Builds `fixture` on the (empty) server at `url` and returns the variables its YAML reads. */
export async function buildFixture(url: string, fixture: string): Promise<FixtureEnv> {
  if (!knownFixture(fixture))
    throw new Error(`fixture ${fixture} is not re-created over HTTP (test/api/gabbi/fixtures.ts)`);
  const env = baseEnv();
  await BUILDERS[fixture]?.(new FixtureClient(url.replace(/\/$/, '')), env);
  return env;
}

/**
 * The fixture a gabbi file names first, APIFixture when none. The `fixtures:` key is a top-level
 * list whose items may follow comment lines; no YAML parser is needed for that much.
 */
export function fixtureOf(yaml: string): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => /^fixtures:\s*$/.test(l));
  if (start < 0) return 'APIFixture';
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const m = /^\s+-\s*(\w+)/.exec(line);
    return m?.[1] ?? 'APIFixture';
  }
  return 'APIFixture';
}
