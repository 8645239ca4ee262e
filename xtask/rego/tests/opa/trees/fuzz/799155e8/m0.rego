package p

r2 := data.p.r1 if {
	input.zz[1]
} else := false if {
	substring("foo.bar", -98765432109876543210, 12345678901234567890) in input.e
}
