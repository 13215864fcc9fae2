#!/bin/bash
# Baseline for the renew row of `npm run bench`: renewing N P-256 client certificates with the openssl CLI, one at a
# time as a shell loop does it: the certificate back into a request signed by its own key (same key, subject and
# extensions), then signed again by the CA with a new serial (x509 -x509toreq + x509 -req, extensions copied).
# Usage: openssl-renew-loop.sh N DIR   — prints the loop's wall time in nanoseconds (the CA and the N certificates
# to renew are made first and not timed).
set -e
n=$1
mkdir -p "$2"; cd "$2"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj /CN=bench-ca -days 3650 2>/dev/null
printf 'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' > leaf.ext
for i in $(seq "$n"); do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "c$i.key" -subj "/O=Client Company Name/CN=client-$i" -out "c$i.csr" 2>/dev/null
  openssl x509 -req -in "c$i.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 20 -extfile leaf.ext -out "c$i.crt" 2>/dev/null
done
t0=$(date +%s%N)
for i in $(seq "$n"); do
  openssl x509 -x509toreq -in "c$i.crt" -signkey "c$i.key" -copy_extensions copy -out "c$i.csr"
  openssl x509 -req -in "c$i.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -copy_extensions copy -sha256 -days 365 -out "c$i.crt" 2>/dev/null
done
echo $(( $(date +%s%N) - t0 ))
