#!/usr/bin/env bash
# Send frames to frameguard as little-endian float32 with kcat (the compact form: 4 bytes a value), then print the
# anomalies it reports for them.
#   kcat-float32.sh BOOTSTRAP SOURCE FRAMES.csv [SECONDS]
# Each CSV line becomes one binary file and one record (kcat sends each file as one message), key = SOURCE, header
# content-type: application/x-float32.
set -euo pipefail
. "$(dirname "$0")/anomalies.sh"
bootstrap=$1 source=$2 csv=$3 seconds=${4:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
tr -d '\r' < "$csv" | grep -E '^[-+0-9.]' | DIR="$dir" perl -ne 'chomp; open(my $f, ">", sprintf("%s/frame-%06d.f32", $ENV{DIR}, $.)) or die $!;
  binmode $f; print $f pack("f<*", split /,/); close $f'
start=$(date +%s%3N)
kcat -P -b "$bootstrap" -t "${FRAMES_TOPIC:-frames}" -k "$source" -H content-type=application/x-float32 "$dir"/frame-*.f32
echo "sent $(ls "$dir" | wc -l) float32 frames of $source"
print_anomalies "$bootstrap" "$source" "$start" "$seconds"
