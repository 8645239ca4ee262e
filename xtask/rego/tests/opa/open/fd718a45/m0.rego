package p

s2 contains 1e3

s3 contains set() if {
	{} < data.p.s2
}
