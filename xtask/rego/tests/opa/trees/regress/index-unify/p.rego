package p

# A body that unifies a reference into `input` with a constant (`=`, not `==`): OPA's rule
# index compares them first.
is_service if {
	input.kind = "Service"
}

name := n if {
	"Deployment" = input.kind
	n := input.metadata.name
}
