output "lake_url" {
  description = "DATALIVE_LAKE_URL for this environment's deployment."
  value       = "abfss://{zone}@${azurerm_storage_account.lake.name}.dfs.core.windows.net"
}

output "key_vault_uri" {
  description = "The environment's Key Vault."
  value       = azurerm_key_vault.env.vault_uri
}
