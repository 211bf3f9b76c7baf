#!/bin/sh
# Creates Temporal's two PostgreSQL databases and applies the server's versioned schema, as
# docker-compose.yml's temporal-schema service runs it (temporalio/admin-tools ships
# temporal-sql-tool and the schema under /etc/temporal/schema). Safe to re-run: an existing
# database is kept, setup-schema is skipped once done, and update-schema applies only the
# versions a database lacks. `firebreak dev --persistence postgres` runs the same steps itself
# (src/local/postgres-server.ts).
set -eu
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
sql() {
  db="$1"; shift
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS:-postgresql}" -p "${DB_PORT:-5432}" \
    -u "${POSTGRES_USER:-temporal}" --pw "${POSTGRES_PWD:-temporal}" --db "$db" "$@"
}
create() {
  tries=0
  until sql "$1" create-database --defaultdb postgres >/tmp/create.log 2>&1 || grep -q "already exists" /tmp/create.log; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then cat /tmp/create.log; exit 1; fi
    echo "waiting for PostgreSQL at ${POSTGRES_SEEDS:-postgresql}:${DB_PORT:-5432}"; sleep 2
  done
}
for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"; kind="${pair##*:}"
  create "$db"
  sql "$db" setup-schema -v 0.0 >/dev/null 2>&1 || echo "database $db already has a schema"
  sql "$db" update-schema -d "$SCHEMA_DIR/$kind/versioned"
done
echo "Temporal schema is up to date"
