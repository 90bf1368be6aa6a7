# Sourced by the kcat examples: print SOURCE's anomaly events written since START (ms), for SECONDS, one line each.
# read_committed: only what frameguard committed (its events are written in transactions).
print_anomalies() { # BOOTSTRAP SOURCE START SECONDS
  timeout "$4" kcat -C -b "$1" -t "${ANOMALIES_TOPIC:-anomalies}" -o "s@$3" -X isolation.level=read_committed -u -q -f '%k\t%s\n' \
    | awk -F'\t' -v s="$2" '$1 == s { print $2; fflush() }' \
    | sed -u -n -E 's/.*"eventId":"([^"]+)".*"score":([^,]+),"threshold":([^,]+),.*"severity":"([^"]+)".*/ANOMALY '"$2"' \4 score \2 > \3 frame \1/p' \
    || true # timeout ends the reading
}
