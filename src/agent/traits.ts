// Trait names the agent derives from hardware and configuration. Placement accepts custom traits
// matching ^CUSTOM_[A-Z0-9_]+$ (≤ 255 characters), so every derived part is upper-cased and any
// other character becomes '_'. The plugin's `physnet` key must map to a trait the same way, so
// `physnetTrait` is the one definition of that mapping.

export const SRIOV_TRAIT = 'HW_NIC_SRIOV';
export const PHYSNET_PREFIX = 'CUSTOM_PHYSNET_';
export const VENDOR_PREFIX = 'CUSTOM_VENDOR_';
export const DRIVER_PREFIX = 'CUSTOM_DRIVER_';

const MAX_TRAIT = 255;

function customPart(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function bounded(trait: string): string {
  return trait.length > MAX_TRAIT ? trait.slice(0, MAX_TRAIT) : trait;
}

/** `public` → CUSTOM_PHYSNET_PUBLIC, `data-net.1` → CUSTOM_PHYSNET_DATA_NET_1. */
export function physnetTrait(physnet: string): string {
  return bounded(`${PHYSNET_PREFIX}${customPart(physnet)}`);
}

/** `0x8086` or `8086` → CUSTOM_VENDOR_8086. */
export function vendorTrait(vendor: string): string {
  return bounded(`${VENDOR_PREFIX}${customPart(vendor.replace(/^0x/i, ''))}`);
}

/** `mlx5_core` → CUSTOM_DRIVER_MLX5_CORE. */
export function driverTrait(driver: string): string {
  return bounded(`${DRIVER_PREFIX}${customPart(driver)}`);
}

/**
 * Traits the agent owns on its providers: it adds and removes these to match the hardware, and
 * leaves every other trait (an operator's, another service's) as it finds it.
 */
export function isAgentTrait(trait: string): boolean {
  return (
    trait === SRIOV_TRAIT ||
    trait.startsWith(PHYSNET_PREFIX) ||
    trait.startsWith(VENDOR_PREFIX) ||
    trait.startsWith(DRIVER_PREFIX)
  );
}

export function isCustomTrait(trait: string): boolean {
  return trait.startsWith('CUSTOM_');
}
