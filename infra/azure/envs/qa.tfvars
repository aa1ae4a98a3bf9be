# qa on Azure. Names and tags: qa.names.tfvars.json (generated from da_platform/naming.py).
subscription_id            = "00000000-0000-0000-0000-000000000000" # replace with qa's subscription
parent_management_group_id = "/providers/Microsoft.Management/managementGroups/dqalq-datalive"
vnet_cidr                  = "10.120.0.0/16"
blob_soft_delete_days      = 14
log_retention_days         = 90
budget_amount              = 800
budget_start_date          = "2027-01-01T00:00:00Z"
alert_emails               = ["data-platform@example.com"]
alert_severity             = 2
