// Placeholder until the plugin lands: answers VERSION only.
process.stdout.write(JSON.stringify({ cniVersion: '1.1.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] }));
