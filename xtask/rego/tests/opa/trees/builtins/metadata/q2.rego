package org.q

import rego.v1

deny contains [rego.metadata.rule(), rego.metadata.chain()] if false

deny contains [rego.metadata.rule(), rego.metadata.chain()]
