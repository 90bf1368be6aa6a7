# Sourced by the kcat examples: print SOURCE's anomaly events written since START (ms), for SECONDS, one line each.
# read_committed: only what frameguard committed (its events are written in transactions). The topic is
# $ANOMALIES_TOPIC (default anomalies).
print_anomalies() { # BOOTSTRAP SOURCE START SECONDS
  # awk reads the source id from the environment (no escape processing) and pulls a few fields out of each event
  SOURCE="$2" timeout "$4" kcat -C -b "$1" -t "${ANOMALIES_TOPIC:-anomalies}" -o "s@$3" -X isolation.level=read_committed \
      -u -q -f '%k\t%s\n' \
    | SOURCE="$2" awk -F'\t' '
        function field(json, name,    m) {
          if (match(json, "\"" name "\":(\"[^\"]*\"|[^,}]*)")) { m = substr(json, RSTART + length(name) + 3, RLENGTH - length(name) - 3); gsub(/"/, "", m); return m }
          return ""
        }
        $1 == ENVIRON["SOURCE"] {
          printf "ANOMALY %s %s score %s > %s frame %s\n", $1, field($2, "severity"), field($2, "score"), field($2, "threshold"), field($2, "eventId")
          fflush()
        }' \
    || true # timeout ends the reading
}
