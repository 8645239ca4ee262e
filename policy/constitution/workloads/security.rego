# Kubernetes workloads: no root, no privilege.
package workloads

import data.lib
import rego.v1

rule_metadata["workloads.run_as_non_root"] := {
	"description": "Containers of a workload run as a non-root user.",
	"tiers": ["standard", "elevated"],
	"severity": "high",
}

deny contains v if {
	some m in manifests
	some c in containers(m.doc)
	runs_as_root(effective_context(m.doc.spec.template.spec, c))
	v := lib.violation("workloads.run_as_non_root", sprintf("%s: container %s may run as root", [m.path, c.name]))
}

rule_metadata["workloads.no_privileged"] := {
	"description": "No privileged containers and no privilege escalation.",
	"tiers": ["standard", "elevated"],
	"severity": "critical",
}

deny contains v if {
	some m in manifests
	some c in containers(m.doc)
	privileged(object.get(c, "securityContext", {}))
	v := lib.violation("workloads.no_privileged", sprintf("%s: container %s is privileged", [m.path, c.name]))
}

# The container's securityContext over the pod's, as the kubelet applies them.
effective_context(pod, c) := object.union(
	object.get(pod, "securityContext", {}),
	object.get(c, "securityContext", {}),
)

runs_as_root(ctx) if not ctx.runAsNonRoot == true

runs_as_root(ctx) if ctx.runAsUser == 0

privileged(ctx) if ctx.privileged == true

privileged(ctx) if ctx.allowPrivilegeEscalation == true
