package p

s3 contains 1 if {
	not 1.5e2 >= input.zz[1]
}
