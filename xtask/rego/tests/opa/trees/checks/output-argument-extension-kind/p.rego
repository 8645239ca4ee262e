package p

r if {
	net.cidr_merge(["10.0.0.0/24"], ["10.0.0.0/24"])
}
