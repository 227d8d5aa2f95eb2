// The one-way rule of design §3, checked on every `npm test` (scripts/check.mjs):
//   entry (src/bin, src/cli) → domain (src/sriov, src/agent, src/api, src/placement)
//     → src/accounting (the resource model as the plugin and the agent use it)
//     → ports (src/host, src/store; src/lab and src/cni beside them, each using src/host only)
//     → src/os (file and path calls for either runtime: node:fs under Node, libc in the plugin).
// A rule names what a folder may NOT reach; each comment says why the line is drawn there.
const layer = (...names) => `^src/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle makes two modules one: neither can be read, tested or loaded alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Fakes and test helpers live in test/; shipped code never depends on them.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'entry-points-are-top',
      severity: 'error',
      comment: 'Only entry points compose; nothing below may reach up into src/bin or src/cli.',
      from: { path: '^src/', pathNot: layer('bin', 'cli') },
      to: { path: layer('bin', 'cli') },
    },
    {
      name: 'cli-not-to-bin',
      severity: 'error',
      comment: 'src/bin holds executables; the CLI is imported by them, not the reverse.',
      from: { path: layer('cli') },
      to: { path: layer('bin') },
    },
    {
      name: 'plugin-stays-small',
      severity: 'error',
      comment: "The plugin is exec'd several times per container: it never loads the service, the agent or the lab.",
      from: { path: layer('sriov') },
      to: { path: layer('agent', 'api', 'lab') },
    },
    {
      name: 'api-is-placement-only',
      severity: 'error',
      comment: 'The HTTP API serves the model and the store; it knows nothing of hosts, plugins or agents.',
      from: { path: layer('api') },
      to: { path: layer('agent', 'sriov', 'lab', 'host', 'accounting', 'cni', 'dashboard') },
    },
    {
      name: 'dashboard-only-reads',
      severity: 'error',
      comment:
        'The dashboard shows the store through the API app it extends; it drives no host, plugin or agent (the CLI composes it).',
      from: { path: layer('dashboard') },
      to: { path: layer('agent', 'sriov', 'lab', 'host', 'cni') },
    },
    {
      name: 'dashboard-page-is-browser-code',
      severity: 'error',
      comment: "The page's script runs in the browser: it may use only the dashboard's pure modules.",
      from: { path: '^src/dashboard/page/' },
      to: { pathNot: '^src/dashboard/(page/|candidates[.]ts$|view-model[.]ts$)' },
    },
    {
      name: 'agent-not-to-api-or-lab',
      severity: 'error',
      comment:
        'The agent talks to a Placement through a port; the CLI chooses HTTP or the in-process API, and the lab.',
      from: { path: layer('agent') },
      to: { path: layer('api', 'lab') },
    },
    {
      name: 'accounting-below-its-users',
      severity: 'error',
      comment: 'The resource-model accounting serves the plugin and the agent, so it may import neither.',
      from: { path: layer('accounting') },
      to: { path: layer('sriov', 'agent', 'api', 'lab', 'cni') },
    },
    {
      name: 'auth-stands-alone',
      comment:
        'Identity and policy decide who may do what; they know no HTTP framework, store or host, so the API and the CLI use them, never the reverse.',
      severity: 'error',
      from: { path: layer('auth') },
      to: { path: '^src/', pathNot: layer('auth') },
    },
    {
      name: 'placement-is-pure',
      severity: 'error',
      comment: 'The model and the candidates engine are pure: no other folder, no I/O.',
      from: { path: layer('placement') },
      to: { pathNot: layer('placement') },
    },
    {
      name: 'store-on-the-model-only',
      severity: 'error',
      comment: 'The store persists the model; it is a port, so it knows nothing above it.',
      from: { path: layer('store') },
      to: { path: '^src/', pathNot: layer('store', 'placement', 'os') },
    },
    {
      name: 'host-is-the-bottom',
      severity: 'error',
      comment:
        'src/host is the boundary to the OS: ports and their real adapters, importing no other folder but src/os.',
      from: { path: layer('host') },
      to: { path: '^src/', pathNot: layer('host', 'os') },
    },
    {
      name: 'os-is-the-floor',
      severity: 'error',
      comment: 'src/os stands in for node:fs and node:path: like them, it imports nothing of vfnet.',
      from: { path: layer('os') },
      to: { path: '^src/', pathNot: layer('os') },
    },
    {
      name: 'cni-and-lab-on-host-only',
      severity: 'error',
      comment: 'The CNI protocol knows nothing of SR-IOV; the lab is an adapter of the host ports.',
      from: { path: layer('cni', 'lab') },
      to: { path: '^src/', pathNot: '^src/(host|cni|lab|os)/' },
    },
    {
      name: 'cni-not-to-lab',
      severity: 'error',
      comment: 'The CNI protocol never depends on the simulated host.',
      from: { path: layer('cni') },
      to: { path: layer('lab') },
    },
    {
      name: 'domain-does-no-io',
      severity: 'error',
      comment: 'Domain code asks a port; it never opens a file, spawns a process or opens a socket itself (design §3).',
      from: { path: layer('sriov', 'placement', 'accounting') },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|child_process|net|dgram|http|https|worker_threads)$',
      },
    },
    {
      name: 'domain-does-no-io-through-os',
      severity: 'error',
      comment: 'src/os/fs.ts is node:fs by another name: the domain does not open files through it either.',
      from: { path: layer('sriov', 'placement', 'accounting') },
      to: { path: '^src/os/(fs|bun-fs|fs-errors)[.]ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // TypeScript 7's compiler has no JS API; swc parses the sources, type-only imports included.
    parser: 'swc',
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
