#!/bin/sh
# One database and one login role per service, created on the first start of an empty PostgreSQL
# data directory (the official image runs /docker-entrypoint-initdb.d/* once, as the superuser).
# Each service owns its database and can reach no other: no service reads another's tables.
set -eu

create_service_database() {
    name="$1"
    password="$2"
    if [ -z "$password" ]; then
        echo "init-databases: no password given for $name (set ${name}_DB_PASSWORD)" >&2
        exit 1
    fi
    # psql variables (:"name" quotes an identifier, :'password' a literal) keep the values out of
    # the SQL text and safe from quoting mistakes.
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create_service_database identity "${IDENTITY_DB_PASSWORD:-}"
create_service_database students "${STUDENTS_DB_PASSWORD:-}"
create_service_database grades "${GRADES_DB_PASSWORD:-}"
