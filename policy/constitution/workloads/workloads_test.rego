package workloads_test

import data.workloads as wl
import rego.v1

digest := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

deployment(image, pod_ctx, ctx) := yaml.marshal({
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web"},
	"spec": {"template": {"spec": {
		"securityContext": pod_ctx,
		"containers": [{"name": "web", "image": image, "securityContext": ctx}],
	}}},
})

change(content) := {"proposal": {"tier": "standard", "changes": [{"path": "apps/web/deployment.yaml", "content": content}]}}

rules(vs) := {v.rule | some v in vs}

pinned_image := sprintf("registry.example/web@%s", [digest])

test_pinned_non_root_passes if {
	vs := wl.deny with input as change(deployment(pinned_image, {"runAsNonRoot": true}, {}))
	count(vs) == 0
}

test_tag_only_image_denied if {
	vs := wl.deny with input as change(deployment("registry.example/web:1.2.3", {"runAsNonRoot": true}, {}))
	rules(vs) == {"workloads.image_pinned"}
}

test_latest_image_denied if {
	vs := wl.deny with input as change(deployment("nginx:latest", {"runAsNonRoot": true}, {}))
	"workloads.image_pinned" in rules(vs)
}

test_root_by_default_denied if {
	vs := wl.deny with input as change(deployment(pinned_image, {}, {}))
	rules(vs) == {"workloads.run_as_non_root"}
}

test_container_overrides_pod_context if {
	vs := wl.deny with input as change(deployment(pinned_image, {"runAsNonRoot": true}, {"runAsNonRoot": false}))
	rules(vs) == {"workloads.run_as_non_root"}
}

test_uid_zero_denied if {
	vs := wl.deny with input as change(deployment(pinned_image, {"runAsNonRoot": true, "runAsUser": 0}, {}))
	"workloads.run_as_non_root" in rules(vs)
}

test_privileged_denied if {
	vs := wl.deny with input as change(deployment(pinned_image, {"runAsNonRoot": true}, {"privileged": true}))
	rules(vs) == {"workloads.no_privileged"}
}

test_privilege_escalation_denied if {
	vs := wl.deny with input as change(deployment(pinned_image, {"runAsNonRoot": true}, {"allowPrivilegeEscalation": true}))
	rules(vs) == {"workloads.no_privileged"}
}

test_non_workload_yaml_ignored if {
	cm := yaml.marshal({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
	vs := wl.deny with input as change(cm)
	count(vs) == 0
}
