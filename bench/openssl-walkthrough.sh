#!/bin/bash
# Baseline for `npm run bench`: the OpenSSL walkthrough (../shared/seed-walkthrough/openssl-walkthrough.sh),
# command for command, RSA-2048, 365 days, corrected at the client step: client.conf gets the [ v3_req ]
# section that `-extensions v3_req` points at, so the walkthrough runs to the end on OpenSSL 3.
# Usage: openssl-walkthrough.sh DIR
set -e
mkdir -p "$1"; cd "$1"
cat > ca.conf <<'C'
[ req ]
distinguished_name = req_distinguished_name
prompt = no

[ req_distinguished_name ]
O = Server CA Company Name
C
cat > server.conf <<'C'
[ req ]
distinguished_name = req_distinguished_name
prompt = no
req_extensions = v3_req

[ req_distinguished_name ]
O = Server Company Name
CN = api-mtls.example.com

[ v3_req ]
subjectAltName = @alt_names

[alt_names]
DNS.1 = api-mtls.example.com
C
cat > client.conf <<'C'
[ req ]
distinguished_name = req_distinguished_name
prompt = no

[ req_distinguished_name ]
O = Client Company Name

[ v3_req ]
extendedKeyUsage = clientAuth
C
openssl genrsa -out ca.key 2048 2>/dev/null
openssl req -new -config ca.conf -key ca.key -out ca.csr
openssl x509 -req -in ca.csr -signkey ca.key -sha256 -days 365 -CAcreateserial -out ca.crt 2>/dev/null
openssl genrsa -out server.key 2048 2>/dev/null
openssl req -new -config server.conf -key server.key -out server.csr
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 365 -extensions v3_req -extfile server.conf -out server.crt 2>/dev/null
openssl genrsa -out client.key 2048 2>/dev/null
openssl req -new -config client.conf -key client.key -out client.csr
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 365 -extensions v3_req -extfile client.conf -out client.crt 2>/dev/null
openssl pkcs12 -export -inkey client.key -in client.crt -certfile ca.crt -out client.pfx -passout pass:secret
openssl verify -CAfile ca.crt server.crt >/dev/null
openssl verify -CAfile ca.crt client.crt >/dev/null
