-- DatAlive on Snowflake (phase 19): one database per environment, applied by scripts/apply_snowflake_ddl.py.
-- Every statement is idempotent (IF NOT EXISTS, ALTER ... SET, GRANT): applying twice changes nothing.
-- The names are Settings.snowflake_database (da_platform/env.py): DB_DEV, DB_QA, DB_PROD.
CREATE DATABASE IF NOT EXISTS DB_DEV COMMENT = 'DatAlive dev: silver copy and gold (dbt target dev on Snowflake)';
CREATE DATABASE IF NOT EXISTS DB_QA COMMENT = 'DatAlive qa: a schema pair per pull request, made by the pipeline';
CREATE DATABASE IF NOT EXISTS DB_PROD COMMENT = 'DatAlive prod: silver copy and gold';
-- The layers dbt builds into outside qa (macros/generate_schema_name.sql); qa's are per pull request.
CREATE SCHEMA IF NOT EXISTS DB_DEV.SILVER;
CREATE SCHEMA IF NOT EXISTS DB_DEV.GOLD;
CREATE SCHEMA IF NOT EXISTS DB_PROD.SILVER;
CREATE SCHEMA IF NOT EXISTS DB_PROD.GOLD;
