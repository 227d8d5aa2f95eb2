// What \`vfnet doctor\` says: one finding per check and subject, and the exit status they add up
// to. Apart from the checks so the hardware checks (doctor.ts) and the state checks
// (doctor-state.ts) share one vocabulary.
import type { PfControl, StateFiles, Sysfs } from '../host/ports.js';
import type { VfLedger } from '../store/vf-ledger.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** What was checked: iommu, sriov-pf, sriov-firmware, numvfs, vf-driver, link, ledger-claims, ledger-unclaimed, model-claims. */
  check: string;
  /** The PF it is about, when it is about one. */
  subject: string | null;
  status: CheckStatus;
  detail: string;
  /** What to do about it; null when nothing needs doing. */
  fix: string | null;
}

export interface DoctorInput {
  sysfs: Sysfs;
  /** The plugin's state directory; null when there is none (nothing was ever claimed). */
  state: StateFiles | null;
  /** Where the state directory is, for messages and fixes. */
  stateDir: string;
  /** The node's ledger of VF claims; null when the node's store does not exist yet. */
  ledger: VfLedger | null;
  /**
   * The attachment claims the resource model holds on this host's PFs (consumer → PF provider),
   * when the model was consulted: the embedded store with this host registered in it.
   */
  model?: { target: string; held: Map<string, string> } | null;
  /** A simulated host (the lab): kernel facts such as the IOMMU are not its own, so they are skipped. */
  simulated: boolean;
  /** The PFs' view of their VFs (VLAN, admin MAC), for the check of VFs no one holds; null skips that part. */
  pf?: PfControl | null;
  /** A host netdev's MAC (igb's PF echoes it as an admin MAC); defaults to sysfs' address file. */
  hostMacOf?: (netdev: string) => string | null;
}

export interface DoctorReport {
  findings: Finding[];
  /** 0 all pass, 1 any failure, 2 warnings only: the exit status of `vfnet doctor`. */
  exitCode: 0 | 1 | 2;
}

export const finding = (
  check: string,
  subject: string | null,
  status: CheckStatus,
  detail: string,
  fix: string | null = null,
): Finding => ({
  check,
  subject,
  status,
  detail,
  fix,
});

export function exitCodeOf(findings: readonly Finding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.status === 'fail')) return 1;
  if (findings.some((f) => f.status === 'warn')) return 2;
  return 0;
}
