#!/bin/bash
# Baseline for the batch row of `npm run bench`: issuing N P-256 client certificates with the openssl CLI,
# one certificate at a time as a shell loop does it (genpkey + req + x509 -req per certificate).
# Usage: openssl-batch-loop.sh N DIR   — prints the loop's wall time in nanoseconds (the CA set-up is not timed).
set -e
n=$1
mkdir -p "$2"; cd "$2"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj /CN=bench-ca -days 365 2>/dev/null
t0=$(date +%s%N)
for i in $(seq "$n"); do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "c$i.key"
  openssl req -new -key "c$i.key" -subj "/O=Client Company Name/CN=client-$i" -out "c$i.csr"
  openssl x509 -req -in "c$i.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 365 -out "c$i.crt" 2>/dev/null
done
echo $(( $(date +%s%N) - t0 ))
