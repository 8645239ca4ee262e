package org.q

import rego.v1

# METADATA
# scope: document
# title: q deny
deny contains [rego.metadata.rule(), rego.metadata.chain()] if true
