// One RBAC-only vault, with its audit log in Log Analytics. main.bicep deploys two: the tenant vault (tenant Meta
// credentials and automation signing secrets, written by the app) and the operator vault (the admin API key, written
// by the operator, which the app can only read).
param name string
param location string
param tags object
param enablePurgeProtection bool
@description('Log Analytics workspace that receives the vault\'s AuditEvent log.')
param logAnalyticsWorkspaceId string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC, not access policies: the roles are in rbac.bicep.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The API refuses `false`; leaving it unset is "off".
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

// Every secret read, write and delete, and every denied request, with the caller's identity.
resource auditLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
