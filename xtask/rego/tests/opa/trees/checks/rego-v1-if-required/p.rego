package p

allow {
	true
}
