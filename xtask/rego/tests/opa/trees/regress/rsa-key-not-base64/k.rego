package k

key(s) := crypto.x509.parse_rsa_private_key(s)
