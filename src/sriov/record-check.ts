// The schema check every attachment record passes on read, from its file or from the ledger's
// copy: a record of the wrong shape must be an error that names it, never a TypeError deep in
// DEL (code 999) or a VF restored to `undefined`. And, for a record that fails, what can still
// be read out of its bytes (a truncated file keeps its first fields): which attachment and VF it
// was, so the VF can be found and reset even when no other copy survives.
type Check = (v: unknown) => boolean;

const str: Check = (v) => typeof v === 'string';
const strOrNull: Check = (v) => v === null || typeof v === 'string';
const int: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const bool: Check = (v) => typeof v === 'boolean';
const boolOrNull: Check = (v) => v === null || typeof v === 'boolean';
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems of `value` against `shape`, as dotted paths (`original.pf.vlan: expected ...`). */
function problems(value: unknown, shape: Record<string, Check>, at: string): string[] {
  if (!isObject(value)) return [`${at.replace(/\.$/, '') || 'record'}: expected an object`];
  return Object.entries(shape)
    .filter(([k, ok]) => !ok(value[k]))
    .map(([k]) => `${at}${k}: ${JSON.stringify(value[k]) ?? 'missing'} is not valid`);
}

const VF_REF = { pci: str, pf: str, pfPci: str, index: int, netdev: strOrNull, driver: strOrNull, dpdk: bool };
const VF_CONFIG = {
  mac: str,
  vlan: int,
  qos: int,
  proto: oneOf('802.1q', '802.1ad'),
  spoofchk: boolOrNull,
  trust: boolOrNull,
  linkState: oneOf(null, 'auto', 'enable', 'disable'),
  minTxRate: num,
  maxTxRate: num,
};
const NETDEV = { name: str, mac: str, mtu: int, up: bool };
/** What ADD configured: every key optional, each of its type when present. */
const CONFIGURED: Record<string, Check> = {
  vlan: int,
  vlanQoS: int,
  vlanProto: oneOf('802.1q', '802.1ad'),
  mac: str,
  spoofchk: bool,
  trust: bool,
  linkState: oneOf('auto', 'enable', 'disable'),
  minTxRate: num,
  maxTxRate: num,
};
const TOP = {
  schema: oneOf(1),
  network: str,
  containerId: str,
  ifname: str,
  netns: str,
  ipamType: strOrNull,
  phase: oneOf('adding', 'added', 'released'),
  result: (v: unknown) => v === null || isObject(v),
  pid: int,
  createdAt: str,
  model: (v: unknown) => v === undefined || v === null || (isObject(v) && str(v.url) && str(v.consumer)),
};

/** Every way `value` is not an attachment record; empty when it is one. */
export function recordProblems(value: unknown): string[] {
  const out = problems(value, TOP, '');
  if (!isObject(value)) return out;
  out.push(...problems(value.vf, VF_REF, 'vf.'));
  const configured = value.configured;
  if (!isObject(configured)) {
    out.push('configured: expected an object');
  } else {
    for (const [k, v] of Object.entries(configured)) {
      if (v !== undefined && !(CONFIGURED[k]?.(v) ?? false))
        out.push(`configured.${k}: ${JSON.stringify(v)} is not valid`);
    }
  }
  const original = value.original;
  if (!isObject(original)) {
    out.push('original: expected an object');
  } else {
    out.push(...problems(original.pf, VF_CONFIG, 'original.pf.'));
    if (original.netdev !== null) out.push(...problems(original.netdev, NETDEV, 'original.netdev.'));
  }
  return out;
}

/** The record in `text` (of records.ts' AttachmentRecord shape once checked), or why it is not one. */
export function parseRecord<R>(text: string): { record: R } | { why: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { why: `not valid JSON (${(e as Error).message})` };
  }
  const found = recordProblems(value);
  if (found.length)
    return {
      why: `not an attachment record: ${found.slice(0, 4).join('; ')}${found.length > 4 ? `; and ${found.length - 4} more` : ''}`,
    };
  return { record: value as R };
}

/** What a damaged record still says about itself; each field null when its bytes are lost. */
export interface RecordHints {
  network: string | null;
  containerId: string | null;
  ifname: string | null;
  netns: string | null;
  /** The VF's PCI address (the record's first `pci`, which is the VF's). */
  pci: string | null;
  /** The VF netdev's name in the host before ADD, when the record got that far. */
  netdevName: string | null;
  /** Its ifindex, which tells the VF apart from another link of the pod's name. */
  ifindex: number | null;
}

/** A JSON string value `key` in `text`, read with JSON's own rules; null when absent or cut off. */
function stringField(text: string, key: string): string | null {
  const m = new RegExp(`"${key}":("(?:[^"\\\\]|\\\\.)*")`).exec(text);
  if (!m) return null;
  try {
    return JSON.parse(m[1]!) as string;
  } catch {
    return null;
  }
}

export function recordHints(text: string): RecordHints {
  const netdev = /"netdev":\{"name":("(?:[^"\\]|\\.)*")/.exec(
    text.slice(text.indexOf('"original"') + 1 || text.length),
  );
  const ifindex = /"ifindex":(\d+)/.exec(text.slice(text.indexOf('"original"') + 1 || text.length));
  let netdevName: string | null = null;
  try {
    netdevName = netdev ? (JSON.parse(netdev[1]!) as string) : null;
  } catch {
    netdevName = null;
  }
  const pci = stringField(text, 'pci');
  return {
    network: stringField(text, 'network'),
    containerId: stringField(text, 'containerId'),
    ifname: stringField(text, 'ifname'),
    netns: stringField(text, 'netns'),
    pci: pci && /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(pci) ? pci.toLowerCase() : null,
    netdevName,
    ifindex: ifindex ? Number(ifindex[1]) : null,
  };
}
