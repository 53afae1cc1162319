/**
 * Source `azure-resource-graph`: collects Defender for Cloud findings live from Azure Resource
 * Graph (see readme.md and the README's "Connecting to Azure"). The registry entry point.
 */
export { AzureResourceGraphConfig } from './config.js';
export { azureResourceGraphChecks } from './doctor.js';
export { AZURE_RESOURCE_GRAPH_TYPE, createAzureResourceGraphSource, type AzureSourceDeps, type AzureSourceOverrides } from './source.js';
