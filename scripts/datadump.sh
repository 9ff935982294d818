#!/usr/bin/env bash
# datadump.sh [OUT]: export all rows of sales_data to OUT (default: sales_data.sql) with mysqldump.
#
# The course's Module 1 script, using the project's connection settings: SOFTCART_MYSQL_URL when it
# is set (an external server), else the local server of `softcart up` (SOFTCART_MYSQL_PORT). The dump
# holds the CREATE TABLE and the rows, so `mysql DB < sales_data.sql` restores it into any database.
# The password (if any) goes through a private option file, never the command line.
set -euo pipefail

out=${1:-sales_data.sql}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${SOFTCART_PYTHON:-$repo/.venv/bin/python}

dump=$(command -v mysqldump || command -v mariadb-dump || true)
if [[ -z $dump ]]; then
    echo "datadump.sh: mysqldump not found (Debian: apt-get install mariadb-client)" >&2
    exit 2
fi

# host, port, user, password, database from softcart.core.settings (the one place for configuration)
mapfile -t conn < <(cd "$repo" && "$python" -c '
from softcart.core.settings import load_settings
u = load_settings().mysql
print(u.host); print(u.port); print(u.user or "root"); print(u.password or ""); print(u.database or "sales")
')
if [[ ${#conn[@]} -ne 5 ]]; then
    echo "datadump.sh: could not read the MySQL settings with $python" >&2
    exit 2
fi
host=${conn[0]} port=${conn[1]} user=${conn[2]} password=${conn[3]} database=${conn[4]}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
{
    echo "[client]"
    echo "host=$host"
    echo "port=$port"
    echo "user=$user"
    [[ -n $password ]] && echo "password=\"$password\""
} > "$work/client.cnf"

"$dump" --defaults-extra-file="$work/client.cnf" --protocol=TCP \
    --single-transaction --no-tablespaces --default-character-set=utf8mb4 \
    "$database" sales_data > "$work/dump.sql"

mkdir -p "$(dirname "$out")"
mv "$work/dump.sql" "$out"
echo "datadump.sh: wrote $out (sales_data of $database on $host:$port)"
