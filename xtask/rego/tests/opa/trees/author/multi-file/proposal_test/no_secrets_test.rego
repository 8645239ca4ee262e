package proposal_test

import data.proposal
import rego.v1

test_private_key_denied if {
	vs := proposal.deny with input as prop("standard", [change("a.pem", "-----BEGIN PRIVATE KEY-----")])
	rules(vs) == {"proposal.no_secrets"}
}

test_plain_text_allowed if {
	d := proposal.decision with input as prop("standard", [change("a.txt", "hello")])
	d.allow
	d.size == "some"
}
