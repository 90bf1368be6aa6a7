#!/usr/bin/env bash
# Send frames to frameguard as JSON with kcat, then print the anomalies it reports for them.
#   kcat-json.sh BOOTSTRAP SOURCE FRAMES.csv [SECONDS]
# FRAMES.csv: one frame per line, its values comma-separated in the model's order (a header line is skipped).
# Each frame becomes {"values":[...]}, key = SOURCE, header content-type: application/json. Topics: $FRAMES_TOPIC and
# $ANOMALIES_TOPIC (default frames, anomalies).
set -euo pipefail
. "$(dirname "$0")/anomalies.sh"
bootstrap=$1 source=$2 csv=$3 seconds=${4:-30}
start=$(date +%s%3N)
tr -d '\r' < "$csv" | grep -E '^[-+0-9.]' | sed 's/.*/{"values":[&]}/' \
  | kcat -P -b "$bootstrap" -t "${FRAMES_TOPIC:-frames}" -k "$source" -H content-type=application/json
echo "sent $(tr -d '\r' < "$csv" | grep -cE '^[-+0-9.]') JSON frames of $source"
print_anomalies "$bootstrap" "$source" "$start" "$seconds"
