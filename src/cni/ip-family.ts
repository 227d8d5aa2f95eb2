// Is a string an IPv4 or IPv6 address, as node:net's isIP answers? Written out here because
// node:net is the heaviest module the plugin would otherwise load (under Bun it evaluates Node's
// streams with it: milliseconds per exec), for three checks of a result.
//
// The grammar is node:net's: IPv4 as four decimal octets 0-255 without leading zeros; IPv6 as
// eight groups of 1-4 hex digits, or fewer with one `::` standing for at least one group, the
// last two groups optionally written as an IPv4 address; then an optional zone (`%` and one or
// more of [0-9A-Za-z.:-]). test/unit/cni/ip-family.test.ts compares it with node:net.

const OCTET = /^(?:0|[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z.:-]+$/;

function isV4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

/** How many 16-bit groups a colon-separated run stands for; -1 when malformed. */
function groupsOf(run: string, mayEndInV4: boolean): number {
  if (run === '') return 0;
  const parts = run.split(':');
  let n = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (GROUP.test(p)) n += 1;
    else if (mayEndInV4 && i === parts.length - 1 && isV4(p)) n += 2;
    else return -1;
  }
  return n;
}

function isV6(s: string): boolean {
  const zone = s.indexOf('%');
  if (zone >= 0) {
    if (!ZONE.test(s.slice(zone + 1))) return false;
    s = s.slice(0, zone);
  }
  const halves = s.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 1) return groupsOf(s, true) === 8;
  const head = groupsOf(halves[0]!, false);
  const tail = groupsOf(halves[1]!, true);
  return head >= 0 && tail >= 0 && head + tail <= 7;
}

/** 4, 6, or 0 when `s` is neither (node:net's isIP). */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (isV4(s)) return 4;
  if (s.includes(':') && isV6(s)) return 6;
  return 0;
}
