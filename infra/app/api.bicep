// The Flex Consumption plan and function app that runs OneClick.Functions, a .NET isolated worker.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param keyVaultUri string
@description('The operator vault, which holds the admin API key; the app can read it, not write it.')
param operatorKeyVaultUri string
param applicationInsightsConnectionString string
param maximumInstanceCount int
param instanceMemoryMB int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the service's target by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings resolve with this identity, not a system-assigned one.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // The .NET isolated worker on .NET 10, the version OneClick.Functions targets (net10.0). Flex Consumption lists
      // dotnet-isolated 8.0, 9.0 and 10.0 (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#supported-language-stack-versions,
      // or `az functionapp list-flexconsumption-runtimes --location <region> --runtime dotnet-isolated`).
      // Flex rejects FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION app settings; this replaces them.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// A separate resource because OneClick__PublicBaseUrl needs the app's own host name.
// Every setting is an identity-based connection, a Key Vault reference or plain configuration.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // DefaultAzureCredential in the app (Key Vault) picks the user-assigned identity by this.
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // The operator sets this secret in the operator vault (docs/deployment.md); the platform resolves the reference with
    // keyVaultReferenceIdentity, which has only Key Vault Secrets User there.
    OneClick__AdminApiKey: '@Microsoft.KeyVault(SecretUri=${operatorKeyVaultUri}secrets/oneclick-admin-api-key)'
    OneClick__Secrets__Provider: 'KeyVault'
    OneClick__Secrets__KeyVaultUri: keyVaultUri
    OneClick__PublicBaseUrl: 'https://${functionApp.properties.defaultHostName}'
    Meta__GraphBaseUrl: 'https://graph.facebook.com'
    Meta__GraphApiVersion: 'v25.0'
  }
}

// Deployments authenticate with Entra ID (azd, az); no basic-auth publishing credentials.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
