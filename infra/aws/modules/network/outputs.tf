output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.main.id
}

output "private_subnet_ids" {
  description = "Private subnets, one per AZ."
  value       = [for az in var.availability_zones : aws_subnet.private[az].id]
}

output "compute_security_group_id" {
  description = "Security group of the Spark workers."
  value       = aws_security_group.compute.id
}
