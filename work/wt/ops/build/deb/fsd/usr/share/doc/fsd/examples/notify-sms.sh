#!/bin/sh
# notify-sms.sh — an example notification sender for fsd-server --notify-cmd.
#
#   fsd-server --notify-cmd /path/to/examples/notify-sms.sh
#
# fsd-server runs `/bin/sh -c CMD` once per message (at most
# --notify-max-inflight at a time, killed after --notify-timeout-ms) with
# the message as one line of JSON on stdin, for example
#
#   {"id":17,"job":"J000042","event":"accepted","phone":"+493012345678",
#    "customer":"Piotr Kowalczyk","language":"de","text":"Hallo ...",
#    "technician_id":"T07","attempt":1,"created_at":"2026-11-23T13:43:28.101Z",
#    "created_at_ms":1795441408101}
#
# (completed messages also carry "rate_command": "fsdctl rate J000042 STARS")
# and FSD_NOTIFY_ID, FSD_NOTIFY_JOB, FSD_NOTIFY_EVENT, FSD_NOTIFY_ATTEMPT in
# the environment. Exit status 0 means "delivered"; anything else (or
# hanging past the limit) is a failed attempt that the server retries with
# backoff, and marks failed after --notify-attempts. Delivery is at least
# once: the same id can come again (a retry after a timeout, a restart
# after a crash), so hand the id to the gateway as an idempotency key.
# Whatever the script writes to stderr (its last line) is kept as the
# attempt's error in `fsdctl notifications`.
#
# This one "sends" by appending a line to $FSD_SMS_OUT (default
# ./sms-outbox.log, relative to the server's working directory); the curl
# call below shows where a real SMS or e-mail gateway plugs in.
set -eu
msg=$(cat)
id=$(printf '%s' "$msg" | jq -r .id)
phone=$(printf '%s' "$msg" | jq -r .phone)
text=$(printf '%s' "$msg" | jq -r .text)
[ -n "$phone" ] || { echo "message $id has no phone number" >&2; exit 1; }

# A real gateway, e.g. an HTTP SMS API (curl -f fails on HTTP errors, so the
# server retries; --max-time keeps us under --notify-timeout-ms):
#
#   curl -fsS --max-time 8 -u "$SMS_USER:$SMS_PASSWORD" \
#        --data-urlencode "to=$phone" --data-urlencode "text=$text" \
#        --data-urlencode "reference=fsd-$id" https://sms.example.com/v1/messages >/dev/null \
#     || { echo "gateway refused message $id" >&2; exit 1; }
#
# or e-mail: printf 'Subject: Your repair\n\n%s\n' "$text" | sendmail "$email"

printf '%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$id" "$phone" "$text" >>"${FSD_SMS_OUT:-sms-outbox.log}"
