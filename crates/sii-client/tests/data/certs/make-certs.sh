#!/usr/bin/env bash
# Regenerates the test-only certificates in this folder (see README.md). Needs the `openssl`
# command (Debian package `openssl`, OpenSSL 3 with its legacy provider) and cargo, for the
# two files openssl cannot write (several key pairs; a key with a foreign certificate).
#
# Keys are random: rerunning changes every file. Tests read values from the files, so they
# keep passing; commit the whole folder together.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
crate=$(cd ../../.. && pwd)

PASS=ofitec-test-password
printf '%s\n' "$PASS" > password.txt

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"
: > "$work/index.txt"
echo 1000 > "$work/serial"

cat > "$work/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca

[ test_ca ]
dir = $work
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no

[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied
serialNumber = optional

[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused

[ ext_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

# The SII holder RUT, as Chilean issuers write it: subjectAltName otherName
# 1.3.6.1.4.1.8321.1. Real certificates use an IA5String; some use UTF8String.
[ ext_sii ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = otherName:1.3.6.1.4.1.8321.1;\${ENV::SAN_TYPE}:\${ENV::HOLDER_RUT}

# No subjectAltName: the RUT is only in the subject serialNumber.
[ ext_plain ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
subjectKeyIdentifier = hash
EOF
export SAN_TYPE=IA5STRING HOLDER_RUT=12345678-5

ca() { openssl ca -batch -notext -preserveDN -config "$work/ca.cnf" "$@" 2>/dev/null; }

# Test CA (self-signed, 2010-2060) so the files carry a chain like real ones do.
openssl req -new -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.csr" \
  -config "$work/ca.cnf" -subj "/C=CL/O=OFITEC Test/CN=OFITEC Test CA" 2>/dev/null
ca -selfsign -keyfile "$work/ca.key" -in "$work/ca.csr" -out ca.crt.pem -extensions ext_ca \
  -startdate 20100101000000Z -enddate 20600101000000Z

# leaf NAME SUBJECT START END EXTENSIONS: a key (PKCS#8 PEM + DER) and a CA-signed certificate.
leaf() {
  local name=$1 subject=$2 start=$3 end=$4 ext=$5
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$name.key" 2>/dev/null
  openssl req -new -key "$work/$name.key" -out "$work/$name.csr" -config "$work/ca.cnf" \
    -subj "$subject" 2>/dev/null
  ca -cert ca.crt.pem -keyfile "$work/ca.key" -in "$work/$name.csr" -out "$work/$name.crt" \
    -startdate "$start" -enddate "$end" -extensions "$ext"
  openssl pkcs8 -topk8 -nocrypt -in "$work/$name.key" -outform DER -out "$work/$name.key.der"
  openssl x509 -in "$work/$name.crt" -outform DER -out "$work/$name.crt.der"
}

p12() { # p12 OUT NAME [extra openssl pkcs12 options]
  local out=$1 name=$2; shift 2
  openssl pkcs12 -export -inkey "$work/$name.key" -in "$work/$name.crt" -certfile ca.crt.pem \
    -name "$name" -passout "pass:$PASS" -out "$out" "$@"
}

leaf valid "/C=CL/O=OFITEC Test/CN=Juana Perez Soto" 20240101000000Z 20451231235959Z ext_sii
SAN_TYPE=UTF8 HOLDER_RUT=11111111-1 \
  leaf valid-utf8 "/C=CL/O=OFITEC Test/CN=Pedro Rojas Diaz" 20240101000000Z 20451231235959Z ext_sii
leaf expired "/C=CL/O=OFITEC Test/CN=Juana Perez Soto" 20150101000000Z 20200101000000Z ext_sii
leaf future "/C=CL/O=OFITEC Test/CN=Juana Perez Soto" 20400101000000Z 20550101000000Z ext_sii
leaf serial "/C=CL/O=OFITEC Test/CN=Rosa Mena Vera/serialNumber=76123456-0" \
  20240101000000Z 20451231235959Z ext_plain

# OpenSSL 3 default: PBES2 (PBKDF2 + AES-256-CBC) bags, HMAC-SHA-256 MAC.
p12 valid.p12 valid
p12 valid-utf8.p12 valid-utf8
p12 expired.p12 expired
p12 not-yet-valid.p12 future
p12 serial-rut.p12 serial
# Legacy: RC2-40 certificate bag, 3DES key bag, HMAC-SHA-1 MAC (what older tools export).
p12 legacy.p12 valid -legacy
# Legacy with 3DES for both bags.
p12 legacy-3des.p12 valid -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
# Certificates only.
openssl pkcs12 -export -nokeys -in "$work/valid.crt" -certfile ca.crt.pem \
  -passout "pass:$PASS" -out no-key.p12

# Plain PEM of the valid pair, for xmlsec1 cross-checks.
cp "$work/valid.crt" valid.crt.pem
openssl pkcs8 -topk8 -nocrypt -in "$work/valid.key" -out valid.key.pem

# Shapes openssl cannot export. Aliases sort the expired pair first, so "take the first key"
# would pick the wrong one.
# ASSEMBLE_P12 may name an already built `assemble_p12` binary.
assemble() {
  if [ -n "${ASSEMBLE_P12:-}" ]; then "$ASSEMBLE_P12" "$@"
  else (cd "$crate" && cargo run --quiet --example assemble_p12 -- "$@"); fi
}
assemble "$here/two-pairs.p12" "$PASS" \
  "a-expired:$work/expired.key.der:$work/expired.crt.der" \
  "b-valid:$work/valid-utf8.key.der:$work/valid-utf8.crt.der"
assemble "$here/mismatch.p12" "$PASS" \
  "mismatch:$work/valid.key.der:$work/valid-utf8.crt.der"

echo "certificates written to $here"
