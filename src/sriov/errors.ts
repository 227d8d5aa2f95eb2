// Plugin-specific CNI error codes (the spec reserves 0-99). Documented in docs/user-guide.md.
export const SriovCode = {
  /** The VF is held by another live attachment. */
  VfInUse: 100,
  /** `master`/`physnet` found no free VF. */
  NoFreeVf: 101,
  /** The NIC driver refused a VF setting (e.g. igb and link_state). */
  DriverRefused: 102,
  /** The device is missing, is not a VF, or has neither a netdev nor a userspace driver. */
  DeviceUnusable: 103,
  /** Moving, renaming or configuring the VF netdev failed. */
  NetdevFailed: 104,
  /** CHECK found the attachment different from what ADD made. */
  CheckFailed: 105,
  /** An attachment record (file or ledger copy) cannot be read: truncated, not JSON, or the wrong shape. */
  RecordDamaged: 106,
} as const;
