# prod on Azure. Names and tags: prod.names.tfvars.json (generated from da_platform/naming.py).
subscription_id            = "00000000-0000-0000-0000-000000000000" # replace with prod's subscription
parent_management_group_id = "/providers/Microsoft.Management/managementGroups/dqalq-datalive"
vnet_cidr                  = "10.130.0.0/16"
blob_soft_delete_days      = 30
log_retention_days         = 365
budget_amount              = 5000
budget_start_date          = "2027-01-01T00:00:00Z"
alert_emails               = ["data-platform@example.com"]
alert_severity             = 0
