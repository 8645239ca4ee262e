# Kubernetes workloads: container images pinned by digest.
package workloads

import data.lib
import rego.v1

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "Job"}

manifests contains {"path": change.path, "doc": doc} if {
	some change in input.proposal.changes
	lib.is_yaml(change.path)
	not startswith(change.path, ".github/")
	doc := yaml.unmarshal(change.content)
	doc.kind in workload_kinds
}

# Init containers run with the same rights as the others, so they are checked alike.
containers(doc) := array.concat(
	object.get(doc.spec.template.spec, "containers", []),
	object.get(doc.spec.template.spec, "initContainers", []),
)

rule_metadata["workloads.image_pinned"] := {
	"description": "Every container image is pinned by sha256 digest.",
	"tiers": ["standard", "elevated"],
	"severity": "high",
}

deny contains v if {
	some m in manifests
	some c in containers(m.doc)
	not pinned(c.image)
	v := lib.violation("workloads.image_pinned", sprintf("%s: container %s uses unpinned image %s", [m.path, c.name, c.image]))
}

pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)
