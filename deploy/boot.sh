#!/bin/sh
# Start zi-assess in a container or on a server: migrate the database, then serve.
#
#   1. `zi-assess db upgrade`, retried while the database is still starting (a compose stack
#      starts PostgreSQL and the app together). A refused configuration (exit 78: e.g.
#      ZI_ENV=production without ZI_SECRET_KEY) is never retried: it stops at once.
#   2. `exec gunicorn`: gunicorn replaces this shell (it gets the signals of `docker stop` and
#      systemd directly), one access-log line per request on stdout next to the app's own.
#
# Settings (besides the application's ZI_* variables, see README "Configuration"):
#   BIND             address:port to listen on (default 0.0.0.0:8000)
#   WEB_CONCURRENCY  gunicorn workers (gunicorn's own variable; default 2, one per core)
#   BOOT_DB_TRIES    attempts at the migration before giving up (default 30)
#   BOOT_DB_DELAY    seconds between attempts (default 2)
#   GUNICORN_CMD_ARGS  more gunicorn options (gunicorn's own variable)
# Arguments given to this script are passed on to gunicorn.
set -u

tries="${BOOT_DB_TRIES:-30}"
delay="${BOOT_DB_DELAY:-2}"
attempt=1
while :; do
    zi-assess db upgrade
    status=$?
    [ "$status" -eq 0 ] && break
    if [ "$status" -eq 78 ]; then
        echo "boot: the configuration was refused (see the line above); not retrying" >&2
        exit 78
    fi
    if [ "$attempt" -ge "$tries" ]; then
        echo "boot: the database migration still fails after $attempt attempts; giving up" >&2
        exit 1
    fi
    echo "boot: database not ready (attempt $attempt of $tries, exit $status); retrying in ${delay}s" >&2
    attempt=$((attempt + 1))
    sleep "$delay"
done

exec gunicorn \
    --bind "${BIND:-0.0.0.0:8000}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --access-logfile - \
    --timeout 120 \
    "zi_assess:create_app()" \
    "$@"
