// Which VfAccounting answers for a model target: the node's embedded store for its `file:` URL,
// a Placement-compatible service for any other URL.
import { nodeDbFromTarget } from '../store/node-paths.js';
import { HttpVfAccounting } from './http-accounting.js';
import type { VfAccounting } from './port.js';

/**
 * One VfAccounting per target, made on first use; `rootProvider` gives this host's root
 * provider, whose tree candidates are looked for in, and `token` the x-auth-token for services
 * (placementToken() in token.ts). Both are asked for only when a target is first used: a plugin
 * exec by deviceID uses none, and in its interpreter the UUID's SHA-1 alone costs ≈ 0.4 ms.
 */
export async function accountingByTarget(
  rootProvider: () => string,
  token: () => string | null,
): Promise<(target: string) => VfAccounting> {
  const models = new Map<string, VfAccounting>();
  let root: string | undefined;
  return (target) => {
    let model = models.get(target);
    if (!model) {
      const file = nodeDbFromTarget(target);
      root ??= rootProvider();
      model = file ? embeddedAccounting(file, root, target) : new HttpVfAccounting(target, root, token());
      models.set(target, model);
    }
    return model;
  };
}

/**
 * The embedded store's accounting, its modules loaded on its first call: the plugin asks for the
 * embedded model on every command that may claim, and one by deviceID never calls it, so a
 * plugin exec that claims nothing evaluates none of it (a chunk of its own: ≈ 0.5 ms per exec).
 */
function embeddedAccounting(file: string, rootProvider: string, target: string): VfAccounting {
  let made: Promise<VfAccounting> | null = null;
  const get = () =>
    (made ??= Promise.all([import('../store/node-store.js'), import('./store-accounting.js')]).then(
      ([{ openNodeModel }, { StoreVfAccounting }]) =>
        new StoreVfAccounting(() => openNodeModel(file), rootProvider, target),
    ));
  return {
    target,
    candidatePfs: async (trait) => (await get()).candidatePfs(trait),
    knows: async (pf) => (await get()).knows(pf),
    claim: async (consumer, pf, network) => (await get()).claim(consumer, pf, network),
    release: async (consumer) => (await get()).release(consumer),
    attachmentsOn: async (pfs, network) => (await get()).attachmentsOn(pfs, network),
  };
}
